import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import FileStreamRotator from 'file-stream-rotator';
import { describe, expect, it, vi } from 'vitest';
import { createFileWriter } from '../src/index.js';
import { DAY, fakeDateFrom, logOverDays } from './fake-days.js';

// file-stream-rotator 0.6.1 itself (winston-daily-rotate-file 5 writes through it, with the
// options below as it passes them) is the oracle for daily-rotate names, contents, audit file
// and retention: the same records on the same (faked) days must leave the same files and the
// same audit. Records are 6 bytes. file-stream-rotator starts a new part once a file has gone
// past its size (a file ends up to one record over it); fanin starts one before a write would
// pass maxBytes. With `size` 12 bytes there and maxBytes 18 here both cut after 3 records.
const start = new Date(2026, 10, 23, 10, 0, 0).getTime();
const DAYS = [7, 4, 1, 2];

fakeDateFrom(start);

interface Case {
  filename: string;
  extension?: string;
  maxLogs?: string;
  utc?: boolean;
  fanin: Record<string, unknown>;
}

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'fanin-fsr-'));

/** The directory's files and the audit (names relative to the directory, hashes dropped). */
function snapshot(dir: string): { files: Record<string, string>; audit: unknown } {
  const names = fs.readdirSync(dir).filter((f) => !f.includes('fanin-lock') && f !== '.audit.json');
  const files = Object.fromEntries(
    names.sort().map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]),
  );
  const text = fs.existsSync(path.join(dir, '.audit.json'))
    ? fs.readFileSync(path.join(dir, '.audit.json'), 'utf8').replaceAll(dir, '<dir>')
    : 'null';
  const audit = JSON.parse(text, (k, v) => (k === 'hash' ? typeof v : v));
  fs.rmSync(dir, { recursive: true });
  return { files, audit };
}

async function rotatorRun(c: Case) {
  vi.setSystemTime(start);
  const dir = tmp();
  const s = FileStreamRotator.getStream({
    filename: path.join(dir, c.filename),
    frequency: 'custom',
    date_format: 'YYYY-MM-DD',
    verbose: false,
    size: '0.01171875k', // 12 bytes: the parser takes "0.<digits>" before the unit
    max_logs: c.maxLogs,
    end_stream: true,
    audit_file: path.join(dir, '.audit.json'),
    file_options: { flags: 'a' },
    utc: c.utc ?? false,
    extension: c.extension ?? '',
    audit_hash_type: 'sha256',
  });
  // Every file's stream bubbles its 'open' and 'finish' up; one stream to start with and one
  // more at each 'rotate'. Its retention deletes files that exist when a new one starts: wait
  // for each file to be open before the next record, as a program logging over days would.
  const count = { streams: 1, open: 0, finish: 0 };
  let wake = () => {};
  const until = (ready: () => boolean) =>
    new Promise<void>((resolve) => {
      wake = () => ready() && resolve();
      wake();
    });
  for (const event of ['rotate', 'open', 'finish'] as const) {
    s.on(event, () => {
      count[event === 'rotate' ? 'streams' : event]++;
      wake();
    });
  }
  await logOverDays(start, DAYS, (line) => {
    s.write(line);
    return until(() => count.open === count.streams);
  });
  s.end();
  await until(() => count.finish === count.streams);
  return snapshot(dir);
}

async function faninRun(c: Case) {
  vi.setSystemTime(start);
  const dir = tmp();
  const w = createFileWriter({
    filename: path.join(dir, c.filename),
    datePattern: 'YYYY-MM-DD',
    dateDialect: 'moment',
    rotationNaming: 'daily-rotate',
    maxBytes: 18,
    exitHook: false,
    ...(c.extension === undefined ? {} : { extension: c.extension }),
    ...(c.utc ? { utc: true } : {}),
    ...c.fanin,
    ...('auditFile' in c.fanin ? { auditFile: path.join(dir, '.audit.json') } : {}),
  });
  await logOverDays(start, DAYS, (line) => {
    w.write(line);
    w.flushSync();
  });
  await w.close();
  return snapshot(dir);
}

describe('daily-rotate names, contents, audit and retention match file-stream-rotator', () => {
  for (const [name, c] of [
    ['%DATE% + size', { filename: 'app-%DATE%.log', fanin: {} }],
    ['no %DATE%, extension', { filename: 'app', extension: '.log', fanin: {} }],
    ['utc', { filename: 'app-%DATE%.log', utc: true, fanin: {} }],
    [
      'maxFiles 3 + audit',
      { filename: 'app-%DATE%.log', maxLogs: '3', fanin: { backups: 2, auditFile: '' } },
    ],
    [
      "maxFiles '2d' + audit",
      { filename: 'app-%DATE%.log', maxLogs: '2d', fanin: { maxAgeMs: 2 * DAY, auditFile: '' } },
    ],
  ] as const) {
    it(name, async () => {
      const expected = await rotatorRun(c);
      const fanin = await faninRun(c);
      expect(fanin).toEqual(expected);
    });
  }
});
