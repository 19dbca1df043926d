import { constants } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { FaninOptionError } from '../src/index.js';
import { DatePattern } from '../src/internal.js';
import { MemoryDriver } from '../src/testing/index.js';
import { DAY, fakeDateFrom, memFiles, memFileWriter } from './fake-days.js';

// Time is the edge here: vi fakes Date only (no timers), and MemoryDriver stamps mtimes with it.
const start = new Date(2026, 10, 23, 23, 59, 0).getTime();

fakeDateFrom(start);

const writer = (driver: MemoryDriver, options: Record<string, unknown> = {}) =>
  memFileWriter(driver, { datePattern: 'yyyy-MM-dd', ...options });
const contents = memFiles;

/**
 * One record a day for five days, then one more, with `options`' retention; asserts that only
 * the active file and the two newest dated files are left, and returns the driver.
 */
function fiveDays(options: Record<string, unknown>): MemoryDriver {
  const d = new MemoryDriver();
  const w = writer(d, options);
  for (let i = 0; i < 5; i++) {
    w.write(`record ${i}\n`);
    w.flushSync();
    vi.setSystemTime(start + (i + 1) * DAY);
  }
  w.write('last\n');
  w.flushSync();
  expect(Object.keys(contents(d))).toEqual(['app.log', 'app.log.2026-11-26', 'app.log.2026-11-27']);
  return d;
}

describe('time rotation', () => {
  for (const [mode, options, names] of [
    ['rename (log4js default)', {}, ['app.log', 'app.log.2026-11-23', 'app.log.2026-11-24']],
    [
      'date in the active name (alwaysIncludePattern)',
      { dateInName: true },
      ['app.log.2026-11-23', 'app.log.2026-11-24', 'app.log.2026-11-25'],
    ],
    [
      '%DATE% in the filename (winston-daily-rotate-file)',
      { filename: '/l/app-%DATE%.log' },
      ['app-2026-11-23.log', 'app-2026-11-24.log', 'app-2026-11-25.log'],
    ],
    ['keepFileExt', { keepFileExt: true }, ['app.2026-11-23.log', 'app.2026-11-24.log', 'app.log']],
  ] as const) {
    it(`puts each day's records in that day's file: ${mode}`, () => {
      const d = new MemoryDriver();
      const w = writer(d, options);
      for (const day of [23, 24, 25]) {
        w.write(`day ${day}\n`);
        w.flushSync();
        vi.setSystemTime(new Date(2026, 10, day + 1, 0, 0, 1));
      }
      expect(Object.keys(contents(d)).filter((f) => !f.endsWith('fanin-lock'))).toEqual(names);
      const all = Object.values(contents(d)).join('');
      for (const day of [23, 24, 25]) expect(all).toContain(`day ${day}\n`);
      expect(w.stats().rotations).toBe(2);
    });
  }

  it('keeps `backups` dated files and deletes the older ones', () => {
    const d = fiveDays({ backups: 2 });
    expect(contents(d)['app.log.2026-11-27']).toBe('record 4\n');
  });

  it('deletes dated files last written longer ago than maxAgeMs', () => {
    fiveDays({ maxAgeMs: 2 * DAY });
  });

  it('rotates a file left by an earlier run before the first record of a new day', () => {
    const d = new MemoryDriver();
    const old = writer(d);
    old.write('yesterday\n');
    old.flushSync();
    vi.setSystemTime(start + DAY);
    const w = writer(d);
    w.write('today\n');
    w.flushSync();
    expect(contents(d)).toEqual({ 'app.log': 'today\n', 'app.log.2026-11-23': 'yesterday\n' });
  });

  it('rotates once when two writers of one file cross midnight, and loses nothing', () => {
    const d = new MemoryDriver();
    const a = writer(d);
    const b = writer(d);
    a.write('a1\n');
    b.write('b1\n');
    a.flushSync();
    b.flushSync();
    vi.setSystemTime(start + 120_000);
    b.write('b2\n');
    a.write('a2\n');
    b.flushSync();
    a.flushSync();
    expect(a.stats().rotations + b.stats().rotations).toBe(1);
    expect(contents(d)).toEqual({ 'app.log': 'b2\na2\n', 'app.log.2026-11-23': 'a1\nb1\n' });
  });

  it("a batch written just after midnight by a writer that checked just before does not keep the old day's records from their file", () => {
    const d = new MemoryDriver();
    const a = writer(d);
    a.write('a1\n');
    a.flushSync();
    // Another process checked the period at 23:59:59.999 and its write lands at 00:00:00.001:
    // the file's mtime is in the new day, though it holds the old day's records.
    vi.setSystemTime(start + 60_001);
    const fd = d.open('/l/app.log', constants.O_WRONLY | constants.O_APPEND, 0o644);
    d.write(fd, Buffer.from('late\n'));
    d.close(fd);
    vi.setSystemTime(start + 61_000);
    a.write('a2\n');
    a.flushSync();
    expect(a.stats().rotations).toBe(1);
    expect(contents(d)).toEqual({ 'app.log': 'a2\n', 'app.log.2026-11-23': 'a1\nlate\n' });
  });

  it('rejects a pattern with no date field, naming the option', () => {
    expect(() => writer(new MemoryDriver(), { datePattern: 'logs' })).toThrow(FaninOptionError);
    expect(() => writer(new MemoryDriver(), { datePattern: 'logs' })).toThrow(/datePattern/);
  });
});

describe('DatePattern', () => {
  it('reads log4js and moment tokens alike; the finest field sets the period', () => {
    const t = new Date(2026, 0, 2, 3, 4, 5).getTime();
    const log4js = new DatePattern('yyyy-MM-dd-hh');
    const moment = new DatePattern('YYYY-MM-DD-HH');
    expect(log4js.format(t)).toBe('2026-01-02-03');
    expect(moment.format(t)).toBe('2026-01-02-03');
    expect(log4js.unit).toBe('hour');
    expect(new DatePattern('yyyy-MM').unit).toBe('month');
    expect(new DatePattern('yyyy-MM-dd').labelSource()).toBe('\\d{2,}-\\d{2,}-\\d{2,}');
  });
});
