import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { FaninOptionError } from '../src/index.js';
import { MemoryDriver } from '../src/testing/index.js';
import { DAY, fakeDateFrom, memFileWriter } from './fake-days.js';

// winston-daily-rotate-file's audit file, as file-stream-rotator 0.6 writes it and retention
// driven by it. Time is the edge: vi fakes Date only; MemoryDriver stamps mtimes with it.
const start = new Date(2026, 10, 23, 10, 0, 0).getTime();

fakeDateFrom(start);

interface Audit {
  keep: { days: boolean; amount: number };
  auditLog: string;
  files: { date: number; name: string; hash: string }[];
  hashType: string;
}

const daily = (driver: MemoryDriver, options: Record<string, unknown>) =>
  memFileWriter(driver, {
    ...{ filename: '/l/app-%DATE%.log', datePattern: 'YYYY-MM-DD', auditFile: '/l/.audit.json' },
    ...options,
  });

function logFiles(driver: MemoryDriver): string[] {
  return driver
    .readdir('/l')
    .filter((f) => f.startsWith('app-'))
    .sort();
}

/** One record a day for `days` days; returns the audit as written. */
function run(
  driver: MemoryDriver,
  options: Record<string, unknown>,
  days: number,
  first = 0,
): Audit {
  vi.setSystemTime(start + first * DAY);
  const w = daily(driver, options);
  for (let day = first; day < first + days; day++) {
    vi.setSystemTime(start + day * DAY);
    w.write(`day ${day}\n`);
    w.flushSync();
  }
  return JSON.parse(driver.read('/l/.audit.json') ?? 'null') as Audit;
}

describe('audit file (winston-daily-rotate-file)', () => {
  it('is written as file-stream-rotator writes it: keys, indentation, entries and hashes', () => {
    const driver = new MemoryDriver();
    const audit = run(driver, { backups: 2, auditHashType: 'md5' }, 2);
    const text = driver.read('/l/.audit.json') ?? '';
    expect(text).toBe(JSON.stringify(audit, null, 4));
    expect(Object.keys(audit)).toEqual(['keep', 'auditLog', 'files', 'hashType']);
    expect(audit).toMatchObject({
      keep: { days: false, amount: 3 },
      auditLog: '/l/.audit.json',
      hashType: 'md5',
    });
    expect(audit.files.map((f) => [f.name, f.date])).toEqual([
      ['/l/app-2026-11-23.log', start],
      ['/l/app-2026-11-24.log', start + DAY],
    ]);
    for (const f of audit.files) {
      expect(f.hash).toBe(createHash('md5').update(`${f.name}LOG_FILE${f.date}`).digest('hex'));
    }
  });

  it('keeps backups + 1 files, the active one included, deleting the oldest entries', () => {
    const driver = new MemoryDriver();
    const audit = run(driver, { backups: 2 }, 5);
    expect(audit.files.map((f) => f.name)).toEqual([
      '/l/app-2026-11-25.log',
      '/l/app-2026-11-26.log',
      '/l/app-2026-11-27.log',
    ]);
    expect(logFiles(driver)).toEqual([
      'app-2026-11-25.log',
      'app-2026-11-26.log',
      'app-2026-11-27.log',
    ]);
  });

  it('keeps the files created within maxAgeMs days', () => {
    const driver = new MemoryDriver();
    const audit = run(driver, { maxAgeMs: 2 * DAY }, 5);
    expect(audit.keep).toEqual({ days: true, amount: 2 });
    expect(logFiles(driver)).toEqual(['app-2026-11-26.log', 'app-2026-11-27.log']);
  });

  it('deletes only files whose entry hash checks out, and continues an audit it finds', () => {
    const driver = new MemoryDriver();
    run(driver, { backups: 1 }, 1);
    const audit = JSON.parse(driver.read('/l/.audit.json') ?? '') as Audit;
    // An edited entry: its hash no longer matches, so retention must not delete its file.
    (audit.files[0] as { name: string }).name = '/l/app-precious.log';
    driver.mkdirp('/l');
    for (const f of ['/l/.audit.json', '/l/app-precious.log']) {
      const fd = driver.open(f, constants.O_CREAT | constants.O_TRUNC | constants.O_WRONLY, 0o644);
      driver.write(fd, Buffer.from(f.endsWith('json') ? JSON.stringify(audit, null, 4) : 'x\n'));
      driver.close(fd);
    }
    const after = run(driver, { backups: 1 }, 3, 1);
    expect(after.files.map((f) => f.name)).toEqual([
      '/l/app-2026-11-25.log',
      '/l/app-2026-11-26.log',
    ]);
    // The edited entry's file stays; so does the file whose entry was edited away (unaudited).
    expect(logFiles(driver)).toEqual([
      'app-2026-11-23.log',
      'app-2026-11-25.log',
      'app-2026-11-26.log',
      'app-precious.log',
    ]);
  });

  for (const [why, options, option] of [
    ['without a retention', {}, 'auditFile'],
    ['with both retentions', { backups: 2, maxAgeMs: DAY }, 'auditFile'],
    ['with an age in part days', { maxAgeMs: DAY / 2 }, 'maxAgeMs'],
    ['under log4js naming', { filename: '/l/app.log', backups: 1 }, 'auditFile'],
    ['a symlink name with a directory', { backups: 1, symlinkName: 'a/b.log' }, 'symlinkName'],
  ] as const) {
    it(`refuses an audit or symlink ${why}, naming "${option}"`, () => {
      const make = () => daily(new MemoryDriver(), options);
      expect(make).toThrow(FaninOptionError);
      expect(make).toThrow(new RegExp(`"${option}"`));
    });
  }
});
