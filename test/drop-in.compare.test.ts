import { once } from 'node:events';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type * as AppendFile from '@fanin/append-file';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers/processes.js';

// The same records through the original transport and through fanin's, in one process, then
// the two directories compared: file names, each file's contents, what retention left.
const require = createRequire(import.meta.url);
const appendFile = require('@fanin/append-file') as typeof AppendFile;
const log4js = require('log4js') as typeof import('log4js');
const winston = require('winston') as typeof import('winston');
const DailyRotateFile = require('winston-daily-rotate-file') as new (
  o: Record<string, unknown>,
) => import('winston-transport');

const MESSAGE = Symbol.for('message');
const RECORDS = 40;
// 45 bytes a line with its newline: 400-byte limits fall inside a record.
const line = (i: number) => `{"record":"${String(i).padStart(4, '0')}","pad":"${'x'.repeat(18)}"}`;
const PACES = ['one turn apart', 'in one burst'] as const;
type Pace = (typeof PACES)[number] | 'slowly';

async function logAll(log: (text: string) => void, pace: Pace): Promise<void> {
  for (let i = 0; i < RECORDS; i++) {
    log(line(i));
    if (pace === 'one turn apart') await new Promise((r) => setImmediate(r));
    // winston File 3.19 throws "write after end" or never finishes when records come faster
    // than it rotates (seen here with one turn apart and with a wait for each 'logged'), so
    // the original is fed 10 ms apart: the expected files are what it writes when it works.
    if (pace === 'slowly') await new Promise((r) => setTimeout(r, 10));
  }
}

// The one deliberate difference. Both originals let the record that reaches the limit into the
// old file and rotate at the next write (streamroller: currentSize >= maxSize before a write;
// winston file.js _needsNewFile: size >= maxsize after one): 9 records of 45 bytes under a
// 400-byte limit. fanin rotates before a write would pass the limit (8 records), splitting a
// batch at record boundaries (#16 defect 4: no file past the limit unless one record is larger).
// So under a size limit the comparison is: the same file names (what retention keeps), every
// file within the limit, and the records in them the newest ones, each once, in order.
const SIZE_RULE = 'files never pass the limit';

/** The size-limited comparison: see SIZE_RULE. */
function expectSizeRule(
  fanin: Record<string, string>,
  original: Record<string, string>,
  limit: number,
  modes = true,
): void {
  const names = (files: Record<string, string>) =>
    Object.keys(files)
      .map((k) => (modes ? k : k.split(' ')[0]))
      .sort();
  expect(names(fanin)).toEqual(names(original));
  const records: number[] = [];
  for (const [key, text] of Object.entries(fanin)) {
    expect(Buffer.byteLength(text), key).toBeLessThanOrEqual(limit);
    const seqs = [...text.matchAll(/"record":"(\d+)"/g)].map((m) => Number(m[1]));
    expect(seqs, key).toEqual([...seqs].sort((a, b) => a - b));
    records.push(...seqs);
  }
  expect(new Set(records).size, 'no record twice').toBe(records.length);
  expect(Math.max(...records), 'the newest record kept').toBe(RECORDS - 1);
}

/**
 * Every file under a directory, as "relative/path mode" → contents (the mode under this
 * process's umask, the same for both). Dot files aside: see the DRF cases.
 */
function snapshot(dir: string, sub = ''): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of fs.readdirSync(path.join(dir, sub)).sort()) {
    const rel = path.join(sub, name);
    const stat = fs.statSync(path.join(dir, rel));
    if (name.startsWith('.')) continue;
    if (stat.isDirectory()) Object.assign(files, snapshot(dir, rel));
    else
      files[`${rel} ${(stat.mode & 0o777).toString(8)}`] = fs.readFileSync(
        path.join(dir, rel),
        'utf8',
      );
  }
  return files;
}

async function viaWinston(
  make: (dir: string) => import('winston-transport'),
  pace: Pace,
  close: 'end' | 'close',
): Promise<Record<string, string>> {
  const dir = tempDir();
  const t = make(dir);
  await logAll(
    (text) => t.log?.({ level: 'info', message: text, [MESSAGE]: text }, () => {}),
    pace,
  );
  const done = once(t, 'finish');
  // winston-daily-rotate-file flushes its stream in close(); the others in end() (_final).
  if (close === 'close') t.close?.();
  else t.end();
  await done;
  return snapshot(dir);
}

async function viaLog4js(type: unknown, config: Record<string, unknown>, pace: Pace) {
  const dir = tempDir();
  log4js.configure({
    appenders: {
      a: {
        type,
        ...config,
        filename: path.join(dir, config.filename as string),
        layout: { type: 'messagePassThrough' },
      },
    },
    categories: { default: { appenders: ['a'], level: 'info' } },
    disableClustering: true,
  } as import('log4js').Configuration);
  const logger = log4js.getLogger();
  await logAll((text) => logger.info(text), pace);
  await new Promise((resolve) => log4js.shutdown(resolve));
  return snapshot(dir);
}

interface Case {
  name: string;
  config: Record<string, unknown>;
  /** Options fanin needs besides (a `like` for a config without its source's markers). */
  fanin?: Record<string, unknown>;
  /** The size limit of a size-rotated case: compared by {@link expectSizeRule}. */
  limit?: number;
}

const LOG4JS: Record<'file' | 'fileSync' | 'dateFile', Case[]> = {
  file: [
    { name: 'no rotation', config: { filename: 'app.log' } },
    {
      name: 'maxLogSize 400, backups 2',
      config: { filename: 'app.log', maxLogSize: 400, backups: 2 },
      limit: 400,
    },
    {
      name: 'maxLogSize 400, keepFileExt, fileNameSep "_"',
      config: {
        filename: 'app.log',
        maxLogSize: 400,
        backups: 3,
        keepFileExt: true,
        fileNameSep: '_',
      },
      limit: 400,
    },
  ],
  fileSync: [
    { name: 'no rotation', config: { filename: 'app.log' }, fanin: { like: 'fileSync' } },
    {
      name: 'maxLogSize 400, backups 2',
      config: { filename: 'app.log', maxLogSize: 400, backups: 2 },
      fanin: { like: 'fileSync' },
      limit: 400,
    },
  ],
  dateFile: [
    { name: 'default pattern', config: { filename: 'app.log' }, fanin: { like: 'dateFile' } },
    { name: 'alwaysIncludePattern', config: { filename: 'app.log', alwaysIncludePattern: true } },
    {
      name: 'alwaysIncludePattern, keepFileExt',
      config: {
        filename: 'app.log',
        pattern: 'yyyy-MM-dd',
        alwaysIncludePattern: true,
        keepFileExt: true,
      },
    },
    {
      name: 'maxLogSize 400 within the date',
      config: { filename: 'app.log', pattern: 'yyyy-MM-dd', maxLogSize: 400, numBackups: 5 },
      limit: 400,
    },
  ],
};

for (const [type, cases] of Object.entries(LOG4JS)) {
  describe(`log4js ${type} and @fanin/append-file write the same files`, () => {
    for (const c of cases) {
      for (const pace of PACES) {
        it(`${c.name}: ${RECORDS} records ${pace}${c.limit ? ` (${SIZE_RULE})` : ''}`, async () => {
          const original = await viaLog4js(type, c.config, pace);
          const fanin = await viaLog4js(appendFile, { ...c.config, ...c.fanin }, pace);
          // log4js fileSync creates the files after a rotation without its mode (0o600 first,
          // then the umask's 0o644); fanin keeps 0o600 for every file: names without modes.
          if (c.limit) return expectSizeRule(fanin, original, c.limit, type !== 'fileSync');
          expect(Object.keys(fanin)).toEqual(Object.keys(original));
          expect(fanin).toEqual(original);
        });
      }
    }
  });
}

const WINSTON: Case[] = [
  { name: 'no rotation', config: { filename: 'app.log' } },
  {
    name: 'dirname, options.mode 0o640',
    config: { filename: 'app.log', dirname: 'sub', options: { flags: 'a', mode: 0o640 } },
  },
  {
    name: 'maxsize 400, maxFiles 3',
    config: { filename: 'app.log', maxsize: 400, maxFiles: 3 },
    limit: 400,
  },
  {
    name: 'maxsize 400, maxFiles 3, tailable',
    config: { filename: 'app.log', maxsize: 400, maxFiles: 3, tailable: true },
    limit: 400,
  },
];

describe('winston File and AppendFileTransport write the same files', () => {
  for (const c of WINSTON) {
    for (const pace of PACES) {
      it(`${c.name}: ${RECORDS} records ${pace}${c.limit ? ` (${SIZE_RULE})` : ''}`, async () => {
        const make =
          (Make: new (o: Record<string, unknown>) => import('winston-transport')) =>
          (dir: string) => {
            const sub = c.config.dirname
              ? { dirname: path.join(dir, c.config.dirname as string) }
              : {};
            return new Make({
              ...c.config,
              filename: path.join(dir, c.config.filename as string),
              ...sub,
              eol: '\n',
            });
          };
        const original = await viaWinston(make(winston.transports.File as never), 'slowly', 'end');
        const fanin = await viaWinston(make(appendFile.AppendFileTransport as never), pace, 'end');
        if (c.limit) return expectSizeRule(fanin, original, c.limit);
        expect(fanin).toEqual(original);
      });
    }
  }
});

// DRF keeps an audit file named after a hash of all its options (".<hash>-audit.json") when
// maxFiles is set; fanin writes one only when auditFile names it, so dot files are not compared.
const DRF: Case[] = [
  { name: '%DATE% in filename', config: { filename: 'app-%DATE%.log' } },
  {
    name: 'filename without %DATE%',
    config: { filename: 'app.log' },
    fanin: { like: 'DailyRotateFile' },
  },
  { name: 'datePattern YYYY-MM', config: { filename: 'app-%DATE%.log', datePattern: 'YYYY-MM' } },
  { name: 'maxFiles 3', config: { filename: 'app-%DATE%.log', maxFiles: 3 } },
  {
    name: 'maxSize 1k within the date',
    config: { filename: 'app-%DATE%.log', maxSize: '1k' },
    limit: 1024,
  },
  {
    name: 'extension .log',
    config: { filename: 'app-%DATE%', extension: '.log' },
  },
  {
    name: 'utc',
    config: { filename: 'app-%DATE%.log', datePattern: 'YYYY-MM-DD-HH', utc: true },
  },
];

describe('winston-daily-rotate-file and AppendFileTransport write the same files', () => {
  for (const c of DRF) {
    for (const pace of PACES) {
      it(`${c.name}: ${RECORDS} records ${pace}${c.limit ? ` (${SIZE_RULE})` : ''}`, async () => {
        const options = (dir: string) => ({
          ...c.config,
          filename: path.join(dir, c.config.filename as string),
          eol: '\n',
        });
        const original = await viaWinston(
          (dir) => new DailyRotateFile(options(dir)),
          pace,
          'close',
        );
        const fanin = await viaWinston(
          (dir) => new appendFile.AppendFileTransport({ ...options(dir), ...c.fanin }),
          pace,
          'end',
        );
        if (c.limit) return expectSizeRule(fanin, original, c.limit);
        expect(Object.keys(fanin)).toEqual(Object.keys(original));
        expect(fanin).toEqual(original);
      });
    }
  }
});
