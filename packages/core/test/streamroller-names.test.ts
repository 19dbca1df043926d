import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RollingFileWriteStream } from 'streamroller';
import { describe, expect, it, vi } from 'vitest';
import { MemoryDriver } from '../src/testing/index.js';
import { fakeDateFrom, logOverDays, memFiles, memFileWriter } from './fake-days.js';

// streamroller 3.1.5 itself (log4js 6's dateFile appender writes through it) is the oracle for
// log4js-date names, contents and retention: the same records, logged on the same (faked)
// days, must leave the same files. Records are 6 bytes and the limit 12, so that both cut the
// same way (streamroller rolls once a file has reached the limit, fanin before a write would
// pass it: the same cut when records fill the limit exactly).
const start = new Date(2026, 10, 23, 10, 0, 0).getTime();
// Records per day, three days.
const DAYS = [5, 3, 1];

fakeDateFrom(start);

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
  await logOverDays(
    start,
    DAYS,
    (line) =>
      new Promise<void>((done, fail) => s.write(line, 'utf8', (e) => (e ? fail(e) : done()))),
  );
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

async function faninFiles(o: Log4jsOptions): Promise<Record<string, string>> {
  vi.setSystemTime(start);
  const driver = new MemoryDriver();
  const w = memFileWriter(driver, {
    datePattern: 'yyyy-MM-dd',
    dateDialect: 'date-format',
    backups: o.numBackups,
    ...(o.maxSize === undefined ? {} : { maxBytes: o.maxSize }),
    ...(o.alwaysIncludePattern ? { dateInName: true } : {}),
    ...(o.keepFileExt ? { keepFileExt: true } : {}),
    ...(o.fileNameSep ? { fileNameSep: o.fileNameSep } : {}),
  });
  await logOverDays(start, DAYS, (line) => {
    w.write(line);
    w.flushSync();
  });
  return memFiles(driver);
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
      expect(await faninFiles(o)).toEqual(expected);
    });
  }
});
