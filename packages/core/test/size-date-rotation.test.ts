import { constants } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { FaninOptionError } from '../src/index.js';
import { MemoryDriver } from '../src/testing/index.js';
import { DAY, fakeDateFrom, memFiles, memFileWriter } from './fake-days.js';

// Size parts within a date period, named as streamroller (log4js dateFile + maxLogSize) and
// file-stream-rotator (winston-daily-rotate-file maxSize) name them. Time is the edge: vi fakes
// Date only, and MemoryDriver stamps mtimes with it.
const start = new Date(2026, 10, 23, 10, 0, 0).getTime();

fakeDateFrom(start);

type Options = Record<string, unknown>;

const writer = (driver: MemoryDriver, options: Options) =>
  memFileWriter(driver, { datePattern: 'yyyy-MM-dd', maxBytes: 12, ...options });
const files = memFiles;

/** Five 6-byte records on day 23 (two fit in 12 bytes), one on day 24; one record per turn. */
function twoDays(options: Options): { driver: MemoryDriver; rotations: number } {
  const driver = new MemoryDriver();
  const w = writer(driver, options);
  for (let i = 1; i <= 5; i++) {
    w.write(`rec ${i}\n`);
    w.flushSync();
    vi.setSystemTime(start + i * 1000);
  }
  vi.setSystemTime(start + DAY);
  w.write('rec 6\n');
  w.flushSync();
  return { driver, rotations: w.stats().rotations };
}

describe('size parts within a date period', () => {
  for (const [mode, options, expected] of [
    [
      'log4js-date: app.log active, parts shift up (.1 newest)',
      {},
      {
        'app.log': 'rec 6\n',
        'app.log.2026-11-23.1': 'rec 5\n',
        'app.log.2026-11-23.2': 'rec 3\nrec 4\n',
        'app.log.2026-11-23.3': 'rec 1\nrec 2\n',
      },
    ],
    [
      'log4js-date with alwaysIncludePattern: the dated hot file becomes .1 (streamroller)',
      { dateInName: true },
      {
        'app.log.2026-11-23.1': 'rec 5\n',
        'app.log.2026-11-23.2': 'rec 3\nrec 4\n',
        'app.log.2026-11-23.3': 'rec 1\nrec 2\n',
        'app.log.2026-11-24': 'rec 6\n',
      },
    ],
    [
      'log4js-date with keepFileExt and fileNameSep',
      { keepFileExt: true, fileNameSep: '_' },
      {
        'app.log': 'rec 6\n',
        'app_2026-11-23_1.log': 'rec 5\n',
        'app_2026-11-23_2.log': 'rec 3\nrec 4\n',
        'app_2026-11-23_3.log': 'rec 1\nrec 2\n',
      },
    ],
    [
      'daily-rotate with %DATE%: name, name.1, name.2 (newest last), nothing renamed',
      { filename: '/l/app-%DATE%.log', datePattern: 'YYYY-MM-DD' },
      {
        'app-2026-11-23.log': 'rec 1\nrec 2\n',
        'app-2026-11-23.log.1': 'rec 3\nrec 4\n',
        'app-2026-11-23.log.2': 'rec 5\n',
        'app-2026-11-24.log': 'rec 6\n',
      },
    ],
    [
      'daily-rotate with extension and no %DATE%: the date appended, the count before the extension',
      {
        filename: '/l/app',
        datePattern: 'YYYY-MM-DD',
        rotationNaming: 'daily-rotate',
        extension: '.log',
      },
      {
        'app.2026-11-23.1.log': 'rec 3\nrec 4\n',
        'app.2026-11-23.2.log': 'rec 5\n',
        'app.2026-11-23.log': 'rec 1\nrec 2\n',
        'app.2026-11-24.log': 'rec 6\n',
      },
    ],
  ] as const) {
    it(`${mode}`, () => {
      const { driver, rotations } = twoDays(options);
      expect(files(driver)).toEqual(expected);
      expect(rotations).toBe(3);
    });
  }

  it('two writers of one file: one rotates, the other follows; nothing lost or doubled', () => {
    for (const options of [{}, { filename: '/l/app-%DATE%.log', datePattern: 'YYYY-MM-DD' }]) {
      const driver = new MemoryDriver();
      const writers = [writer(driver, options), writer(driver, options)];
      const sent: string[] = [];
      for (let i = 0; i < 12; i++) {
        vi.setSystemTime(i < 8 ? start + i * 1000 : start + DAY);
        const record = `${'ab'[i % 2]}-${String(i).padStart(2, '0')}\n`;
        sent.push(record);
        writers[i % 2]?.write(record);
        writers[i % 2]?.flushSync();
      }
      const texts = Object.values(files(driver));
      const got = texts.join('').split('\n').filter(Boolean);
      expect(got.sort()).toEqual(sent.map((r) => r.trim()).sort());
      for (const text of texts) expect(text.length).toBeLessThanOrEqual(12);
      expect(texts.length).toBe(6);
    }
  });
});

describe('retention of dated files', () => {
  it('keeps `backups` files besides the active one, parts and .gz alike, newest first', () => {
    const driver = new MemoryDriver();
    driver.mkdirp('/l');
    // Compressed files an earlier run left, older than what this run writes.
    for (const [name, ago] of [
      ['app.log.2026-11-21.gz', 2 * DAY],
      ['app.log.2026-11-22.1.gz', DAY],
    ] as const) {
      vi.setSystemTime(start - ago);
      driver.close(driver.open(`/l/${name}`, constants.O_CREAT | constants.O_WRONLY, 0o644));
    }
    vi.setSystemTime(start);
    const w = writer(driver, { backups: 3 });
    for (let i = 1; i <= 5; i++) {
      w.write(`rec ${i}\n`);
      w.flushSync();
      vi.setSystemTime(start + i * 1000);
    }
    expect(Object.keys(files(driver))).toEqual([
      'app.log',
      'app.log.2026-11-22.1.gz',
      'app.log.2026-11-23.1',
      'app.log.2026-11-23.2',
    ]);
    w.write('rec 6\nrec 7\n');
    w.flushSync();
    expect(Object.keys(files(driver))).toEqual([
      'app.log',
      'app.log.2026-11-23.1',
      'app.log.2026-11-23.2',
      'app.log.2026-11-23.3',
    ]);
  });

  it('daily-rotate: deletes files last written longer ago than maxAgeMs', () => {
    const driver = new MemoryDriver();
    const w = writer(driver, {
      filename: '/l/app-%DATE%.log',
      datePattern: 'YYYY-MM-DD',
      maxAgeMs: 2 * DAY,
    });
    for (let day = 0; day < 5; day++) {
      vi.setSystemTime(start + day * DAY);
      w.write('rec 0\n');
      w.flushSync();
    }
    expect(Object.keys(files(driver))).toEqual([
      'app-2026-11-25.log',
      'app-2026-11-26.log',
      'app-2026-11-27.log',
    ]);
  });
});

describe('options of dated files', () => {
  for (const [why, options, option] of [
    ['extension under log4js naming', { extension: '.log' }, 'extension'],
    ['a size naming with a date', { rotationNaming: 'winston' }, 'rotationNaming'],
    [
      '%DATE% under log4js naming',
      { filename: '/l/a-%DATE%', rotationNaming: 'log4js-date' },
      'filename',
    ],
    [
      'keepFileExt under daily-rotate',
      { rotationNaming: 'daily-rotate', keepFileExt: true },
      'keepFileExt',
    ],
    ['utc without a date pattern', { datePattern: undefined, utc: true }, 'utc'],
    [
      'daily-rotate without a date pattern',
      { datePattern: undefined, rotationNaming: 'daily-rotate' },
      'rotationNaming',
    ],
    ['a periodMs no frequency gives', { periodMs: 90_000 }, 'periodMs'],
  ] as const) {
    it(`refuses ${why}, naming "${option}"`, () => {
      const make = () => writer(new MemoryDriver(), options);
      expect(make).toThrow(FaninOptionError);
      expect(make).toThrow(new RegExp(`"${option}"`));
    });
  }
});
