import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RollingFileWriteStream } from 'streamroller';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createFileWriter } from '../src/index.js';
import { MemoryDriver } from '../src/testing/index.js';

// streamroller 3.1.5 itself (log4js 6's dateFile appender writes through it) is the oracle for
// log4js-date names, contents and retention: the same records, logged on the same (faked)
// days, must leave the same files. Records are 6 bytes and the limit 12, so that both cut the
// same way (streamroller rolls once a file has reached the limit, fanin before a write would
// pass it: the same cut when records fill the limit exactly).
const start = new Date(2026, 10, 23, 10, 0, 0).getTime();
const DAY = 86_400_000;
// Records per day, three days.
const DAYS = [5, 3, 1];

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'], now: start });
});
afterEach(() => {
  vi.useRealTimers();
});

interface Log4jsOptions {
  alwaysIncludePattern?: boolean;
  keepFileExt?: boolean;
  fileNameSep?: string;
  numBackups: number;
  maxSize?: number;
}

async function streamrollerFiles(o: Log4jsOptions): Promise<Record<string, string>> {
  vi.setSystemTime(start);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fanin-streamroller-'));
  const s = new RollingFileWriteStream(path.join(dir, 'app.log'), { pattern: 'yyyy-MM-dd', ...o });
  let n = 0;
  for (const [day, count] of DAYS.entries()) {
    vi.setSystemTime(start + day * DAY);
    for (let i = 0; i < count; i++) {
      await new Promise<void>((done, fail) =>
        s.write(`rec ${n++}\n`, 'utf8', (e) => (e ? fail(e) : done())),
      );
    }
  }
  await new Promise<void>((done) => s.end(done));
  const out = Object.fromEntries(
    fs
      .readdirSync(dir)
      .sort()
      .map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]),
  );
  fs.rmSync(dir, { recursive: true });
  return out;
}

function faninFiles(o: Log4jsOptions): Record<string, string> {
  vi.setSystemTime(start);
  const driver = new MemoryDriver();
  const w = createFileWriter({
    filename: '/l/app.log',
    datePattern: 'yyyy-MM-dd',
    dateDialect: 'date-format',
    driver,
    exitHook: false,
    backups: o.numBackups,
    ...(o.maxSize === undefined ? {} : { maxBytes: o.maxSize }),
    ...(o.alwaysIncludePattern ? { dateInName: true } : {}),
    ...(o.keepFileExt ? { keepFileExt: true } : {}),
    ...(o.fileNameSep ? { fileNameSep: o.fileNameSep } : {}),
  });
  let n = 0;
  for (const [day, count] of DAYS.entries()) {
    vi.setSystemTime(start + day * DAY);
    for (let i = 0; i < count; i++) {
      w.write(`rec ${n++}\n`);
      w.flushSync();
    }
  }
  return Object.fromEntries(
    driver
      .readdir('/l')
      .filter((f) => !f.includes('fanin-lock'))
      .sort()
      .map((f) => [f, driver.read(`/l/${f}`) ?? '']),
  );
}

describe('log4js-date names, contents and retention match streamroller', () => {
  for (const [name, o] of [
    ['pattern only', { numBackups: 10 }],
    ['pattern + maxSize', { numBackups: 10, maxSize: 12 }],
    ['alwaysIncludePattern + maxSize', { numBackups: 10, maxSize: 12, alwaysIncludePattern: true }],
    ['alwaysIncludePattern', { numBackups: 10, alwaysIncludePattern: true }],
    [
      'keepFileExt + fileNameSep + maxSize',
      { numBackups: 10, maxSize: 12, keepFileExt: true, fileNameSep: '_' },
    ],
    ['numBackups 2 + maxSize', { numBackups: 2, maxSize: 12 }],
    ['numBackups 1 (dateFile default)', { numBackups: 1 }],
  ] as const) {
    it(name, async () => {
      const expected = await streamrollerFiles(o);
      expect(faninFiles(o)).toEqual(expected);
    });
  }
});
