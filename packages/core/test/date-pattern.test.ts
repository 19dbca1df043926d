import dateFormat from 'date-format';
import moment from 'moment';
import { describe, expect, it } from 'vitest';
import { createFileWriter, FaninOptionError } from '../src/index.js';
import { DatePattern } from '../src/internal.js';
import { MemoryDriver } from '../src/testing/index.js';

// The originals are the oracle: date-format (log4js's streamroller formats dateFile names with
// it) and moment (file-stream-rotator formats winston-daily-rotate-file names with it). Times
// around year and week boundaries, midnight, noon and the last millisecond of a day.
const TIMES = [
  new Date(2021, 0, 1, 0, 0, 0, 0), // a Friday: ISO week 53 of 2020
  new Date(2024, 11, 30, 12, 5, 9, 7), // Monday: ISO week 1 of 2025
  new Date(2025, 11, 28, 23, 59, 59, 999), // Sunday: locale week 1 of 2026
  new Date(2026, 5, 15, 13, 45, 30, 123),
  new Date(2026, 11, 5, 0, 30, 1, 50),
  new Date(2027, 0, 3, 11, 2, 3, 400),
  new Date(2023, 0, 1, 9, 0, 0, 0), // a Sunday
].map((d) => d.getTime());

const DATE_FORMAT_PATTERNS = [
  'yyyy-MM-dd',
  'yyyy-MM-dd-hh',
  'yy.MM.dd hh:mm:ss.SSS O',
  'dd/MM/yy',
  'M D hh y',
  'yyy-y-yyyy',
  'ddd MMM hhh',
  'yyyyMMddhhmm',
];

const MOMENT_PATTERNS = [
  'YYYY-MM-DD',
  'YYYY-MM-DD-HH',
  'hh h A a',
  'Y YY M Mo MM MMM MMMM',
  'Q Qo D Do DD DDD DDDo DDDD',
  'd do dd ddd dddd e E',
  'w wo ww W Wo WW gg gggg GG GGGG',
  'H HH h hh k kk m mm s ss',
  'S SS SSS SSSS SSSSSS',
  'X x',
  '[week] ww [of] YYYY [at] HH',
  '\\YYYY YYYY',
  'YYYYMMDDHHmm',
  'YYYY-MM-DDTHH:mm:ss',
  'HHmm hmm',
  '[a[b]c] DD',
];

describe('DatePattern, date-format dialect (log4js)', () => {
  for (const p of DATE_FORMAT_PATTERNS) {
    it(`prints "${p}" as date-format does`, () => {
      const pattern = new DatePattern(p, { dialect: 'date-format' });
      for (const t of TIMES) expect(pattern.format(t)).toBe(dateFormat.asString(p, new Date(t)));
    });
  }

  it('reads hh as the 24-hour hour (defect 7)', () => {
    const t = new Date(2026, 0, 2, 15, 4).getTime();
    expect(new DatePattern('yyyy-MM-dd-hh', { dialect: 'date-format' }).format(t)).toBe(
      '2026-01-02-15',
    );
  });
});

describe('DatePattern, moment dialect (winston-daily-rotate-file)', () => {
  for (const p of MOMENT_PATTERNS) {
    it(`prints "${p}" as moment does, in local time and in UTC`, () => {
      const local = new DatePattern(p, { dialect: 'moment' });
      const utc = new DatePattern(p, { dialect: 'moment', utc: true });
      for (const t of TIMES) {
        expect(local.format(t), new Date(t).toString()).toBe(moment(t).format(p));
        expect(utc.format(t), new Date(t).toISOString()).toBe(moment.utc(t).format(p));
      }
    });
  }

  it('reads hh as the 12-hour hour and HH as the 24-hour one (defect 7)', () => {
    const t = new Date(2026, 0, 2, 15, 4).getTime();
    expect(new DatePattern('YYYY-MM-DD-hh', { dialect: 'moment' }).format(t)).toBe('2026-01-02-03');
    expect(new DatePattern('YYYY-MM-DD-HH', { dialect: 'moment' }).format(t)).toBe('2026-01-02-15');
  });

  for (const [token, p] of [
    ['era', 'y'],
    ['era name', 'N'],
    ['zone name', 'YYYY zz'],
    ['locale format', 'LL'],
    ['expanded year', 'YYYYYY'],
  ] as const) {
    it(`refuses the ${token} token at construction, naming datePattern`, () => {
      const make = () =>
        createFileWriter({
          filename: '/l/app.log',
          datePattern: p,
          dateDialect: 'moment',
          driver: new MemoryDriver(),
          exitHook: false,
        });
      expect(make).toThrow(FaninOptionError);
      expect(make).toThrow(/datePattern.*not supported/);
    });
  }
});

// file-stream-rotator 0.6's getDate for frequency '<n>m' / '<n>h', written out as the oracle.
function rotatorDate(t: number, frequency: string, p: string, utc: boolean): string {
  const [, n = '1', kind] = /^(\d+)([mh])$/.exec(frequency) ?? [];
  const m = utc ? moment.utc(t) : moment(t);
  if (kind === 'm') m.minutes(Math.floor(m.minutes() / Number(n)) * Number(n));
  else m.hour(Math.floor(m.hour() / Number(n)) * Number(n));
  return m.format(p);
}

describe('DatePattern with periodMs (winston-daily-rotate-file frequency)', () => {
  for (const [frequency, periodMs] of [
    ['5m', 300_000],
    ['7m', 420_000],
    ['3h', 10_800_000],
    ['5h', 18_000_000],
  ] as const) {
    for (const p of ['YYYY-MM-DD-HH-mm', 'YYYY-MM-DD', 'HH:mm:ss']) {
      it(`frequency ${frequency}, pattern "${p}": the label file-stream-rotator prints`, () => {
        for (const utc of [false, true]) {
          const pattern = new DatePattern(p, { dialect: 'moment', periodMs, utc });
          for (const t of TIMES) expect(pattern.format(t)).toBe(rotatorDate(t, frequency, p, utc));
        }
      });
    }
  }

  it('refuses a periodMs that no frequency gives', () => {
    for (const periodMs of [90_000, 61 * 60_000, 25 * 3_600_000]) {
      expect(() => new DatePattern('YYYY', { periodMs })).toThrow(/periodMs/);
    }
  });
});

describe('DatePattern: the period', () => {
  it('is set by the finest field; an offset is no field', () => {
    expect(new DatePattern('yyyy-MM-dd O', { dialect: 'date-format' }).unit).toBe('day');
    expect(new DatePattern('GGGG-[W]WW', { dialect: 'moment' }).unit).toBe('week');
    expect(new DatePattern('YYYY-MM-DD hh A', { dialect: 'moment' }).unit).toBe('hour');
    expect(() => new DatePattern('O', { dialect: 'date-format' })).toThrow(/no date field/);
    expect(() => new DatePattern('[YYYY] Z', { dialect: 'moment' })).toThrow(/no date field/);
  });

  it('matches every label it prints with labelSource()', () => {
    for (const [p, dialect] of [
      ...MOMENT_PATTERNS.map((m) => [m, 'moment'] as const),
      ...DATE_FORMAT_PATTERNS.map((m) => [m, 'date-format'] as const),
    ]) {
      const pattern = new DatePattern(p, { dialect });
      const re = new RegExp(`^${pattern.labelSource()}$`);
      for (const t of TIMES) expect(pattern.format(t)).toMatch(re);
    }
  });
});
