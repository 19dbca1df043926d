import { describe, expect, it } from 'vitest';
import { fromLog4jsDateFile } from '../src/adapters/options/log4js-date-file.js';
import { fromLog4jsFile } from '../src/adapters/options/log4js-file.js';
import { fromLog4jsFileSync } from '../src/adapters/options/log4js-file-sync.js';
import type { SourceSpec } from '../src/adapters/options/source-spec.js';
import { fromDailyRotate } from '../src/adapters/options/winston-daily-rotate.js';
import { fromWinstonFile } from '../src/adapters/options/winston-file.js';
import {
  checkLog4jsConfig,
  checkWinstonOptions,
  fileWriterSpec,
  optionSources,
} from '../src/internal.js';
import { optionError } from '../src/testing/index.js';

type Conf = Record<string, unknown>;
type Mapped = { writer: Conf; eol?: string; extras?: object };
/** One row: the option's value (with `with` beside it) and what it changes against the base. */
interface Row {
  value: unknown;
  with?: Conf;
  writer?: Conf;
  other?: Conf;
}

interface Table {
  base: Conf;
  baseWriter: Conf;
  check: (where: string, given: unknown, extra: Conf, warn: (m: string) => void) => void;
  map: (where: string, given: Conf, warn: (m: string) => void) => Mapped;
  rows: Record<string, Row>;
}

const DAY = 86_400_000;
const noWriterChange = (value: unknown): Row => ({ value });
const w = checkWinstonOptions as Table['check'];
const l = checkLog4jsConfig as Table['check'];

const winstonTransportRows: Record<string, Row> = {
  level: noWriterChange('info'),
  format: noWriterChange({ transform: (i: unknown) => i }),
  silent: noWriterChange(false),
  handleExceptions: noWriterChange(true),
  handleRejections: noWriterChange(true),
  eol: { value: '\r\n', other: { eol: '\r\n' } },
  options: { value: { flags: 'a', mode: 0o640, encoding: 'utf8' }, writer: { mode: 0o640 } },
};

const log4jsCommonRows = (layoutExtras: boolean): Record<string, Row> => ({
  type: noWriterChange('@fanin/append-file'),
  filename: { value: '/logs/other.log', writer: { filename: '/logs/other.log' } },
  layout: {
    value: { type: 'messagePassThrough' },
    other: layoutExtras ? { layout: { type: 'messagePassThrough' } } : {},
  },
  timezoneOffset: { value: -60, other: { timezoneOffset: -60 } },
  mode: { value: 0o644, writer: { mode: 0o644 } },
  flags: noWriterChange('a'),
  encoding: noWriterChange('utf-8'),
  eol: { value: '\r\n', other: { eol: '\r\n' } },
});

const TABLES: Record<string, Table> = {
  'winston-file': {
    base: { filename: '/logs/app.log' },
    baseWriter: { filename: '/logs/app.log' },
    check: w,
    map: fromWinstonFile,
    rows: {
      ...winstonTransportRows,
      filename: { value: '/var/log/x.log', writer: { filename: '/var/log/x.log' } },
      dirname: { value: '/var/log', writer: { filename: '/var/log/app.log' } },
      maxsize: { value: 1000, writer: { maxBytes: 1000, rotationNaming: 'winston' } },
      maxFiles: {
        value: 3,
        with: { maxsize: 10 },
        writer: { maxBytes: 10, rotationNaming: 'winston', backups: 2 },
      },
      tailable: {
        value: true,
        with: { maxsize: 10 },
        writer: { maxBytes: 10, rotationNaming: 'winston-tailable' },
      },
      zippedArchive: {
        value: true,
        with: { maxsize: 10 },
        writer: { maxBytes: 10, rotationNaming: 'winston', compress: true },
      },
      lazy: { value: true, writer: { lazy: true } },
      name: noWriterChange('file'),
      highWaterMark: noWriterChange(16),
    },
  },
  'winston-daily-rotate-file': {
    base: { filename: '/logs/app-%DATE%.log' },
    baseWriter: {
      filename: '/logs/app-%DATE%.log',
      datePattern: 'YYYY-MM-DD',
      dateDialect: 'moment',
    },
    check: w,
    map: fromDailyRotate,
    rows: {
      ...winstonTransportRows,
      filename: { value: '/logs/app.log', writer: { filename: '/logs/app.log.%DATE%' } },
      dirname: { value: '/var/log', writer: { filename: '/var/log/app-%DATE%.log' } },
      datePattern: { value: 'YYYY-MM-DD-HH', writer: { datePattern: 'YYYY-MM-DD-HH' } },
      frequency: { value: '5m', writer: { periodMs: 300_000 } },
      maxSize: {
        value: '20m',
        writer: { maxBytes: 20 * 1024 ** 2, rotationNaming: 'daily-rotate' },
      },
      maxFiles: { value: '14d', writer: { maxAgeMs: 14 * DAY } },
      zippedArchive: { value: true, writer: { compress: true } },
      utc: { value: true, writer: { utc: true } },
      extension: { value: '.log', writer: { extension: '.log' } },
      createSymlink: { value: true, writer: { symlinkName: 'current.log' } },
      symlinkName: {
        value: 'now.log',
        with: { createSymlink: true },
        writer: { symlinkName: 'now.log' },
      },
      auditFile: {
        value: '/logs/audit.json',
        writer: { auditFile: '/logs/audit.json', auditHashType: 'sha256' },
      },
      auditHashType: {
        value: 'md5',
        with: { auditFile: '/logs/a.json' },
        writer: { auditFile: '/logs/a.json', auditHashType: 'md5' },
      },
      watchLog: noWriterChange(true),
    },
  },
  'log4js-file': {
    base: { type: 'x', filename: '/logs/app.log' },
    baseWriter: { filename: '/logs/app.log', mode: 0o600 },
    check: l,
    map: fromLog4jsFile,
    rows: {
      ...log4jsCommonRows(true),
      maxLogSize: { value: '1K', writer: { maxBytes: '1K', rotationNaming: 'log4js', backups: 5 } },
      backups: {
        value: 2,
        with: { maxLogSize: 9 },
        writer: { maxBytes: 9, rotationNaming: 'log4js', backups: 2 },
      },
      compress: {
        value: true,
        with: { maxLogSize: 9 },
        writer: { maxBytes: 9, rotationNaming: 'log4js', backups: 5, compress: true },
      },
      keepFileExt: {
        value: true,
        with: { maxLogSize: 9 },
        writer: { maxBytes: 9, rotationNaming: 'log4js', backups: 5, keepFileExt: true },
      },
      fileNameSep: {
        value: '_',
        with: { maxLogSize: 9 },
        writer: { maxBytes: 9, rotationNaming: 'log4js', backups: 5, fileNameSep: '_' },
      },
      removeColor: { value: true, other: { removeColor: true } },
    },
  },
  'log4js-date-file': {
    base: { type: 'x', filename: '/logs/app.log', like: 'dateFile' },
    baseWriter: {
      filename: '/logs/app.log',
      mode: 0o600,
      datePattern: 'yyyy-MM-dd',
      dateDialect: 'date-format',
      dateInName: false,
      backups: 1,
    },
    check: l,
    map: fromLog4jsDateFile,
    rows: {
      ...log4jsCommonRows(true),
      pattern: { value: 'yyyy-MM-dd-hh', writer: { datePattern: 'yyyy-MM-dd-hh' } },
      alwaysIncludePattern: { value: true, writer: { dateInName: true } },
      numBackups: { value: 7, writer: { backups: 7 } },
      daysToKeep: { value: 3, writer: { backups: 3 } },
      maxLogSize: { value: 2048, writer: { maxBytes: 2048, rotationNaming: 'log4js-date' } },
      compress: { value: true, writer: { compress: true } },
      keepFileExt: { value: true, writer: { keepFileExt: true } },
      fileNameSep: { value: '_', writer: { fileNameSep: '_' } },
    },
  },
  'log4js-file-sync': {
    base: { type: 'x', filename: '/logs/app.log', like: 'fileSync' },
    baseWriter: { filename: '/logs/app.log', mode: 0o600 },
    check: l,
    map: fromLog4jsFileSync,
    rows: {
      ...log4jsCommonRows(true),
      maxLogSize: { value: 100, writer: { maxBytes: 100, rotationNaming: 'log4js', backups: 5 } },
      backups: {
        value: 0,
        with: { maxLogSize: 9 },
        writer: { maxBytes: 9, rotationNaming: 'log4js', backups: 0 },
      },
    },
  },
};

// A value of the right type for an option that is refused or ignored (the value is not read).
const ANY_VALUE: Record<string, unknown> = { stream: process.stdout, rotationFormat: () => 'x' };

function run(t: Table, given: Conf) {
  const warnings: string[] = [];
  const warn = (m: string) => warnings.push(m);
  t.check('T', given, fileWriterSpec as Conf, warn);
  return { mapped: t.map('T', given, warn), warnings };
}

for (const source of optionSources) {
  const t = TABLES[source.id] as Table;
  describe(`${source.title}: every documented option`, () => {
    it('the table has a row for each honoured option, and nothing else', () => {
      const honoured = Object.entries(source.options).filter(([, o]) => o.status === 'honoured');
      expect(Object.keys(t.rows).sort()).toEqual(honoured.map(([k]) => k).sort());
    });

    for (const [name, o] of Object.entries(source.options)) {
      if (o.status === 'honoured') {
        const row = t.rows[name] as Row;
        it(`${name}: honoured, as ${o.maps}`, () => {
          const { mapped, warnings } = run(t, { ...t.base, ...row.with, [name]: row.value });
          expect(warnings).toEqual([]);
          expect(mapped.writer).toEqual({ ...t.baseWriter, ...row.writer });
          const other: Conf = {
            ...(mapped.extras ?? {}),
            ...(mapped.eol ? { eol: mapped.eol } : {}),
          };
          for (const [k, v] of Object.entries(row.other ?? {})) expect(other[k]).toEqual(v);
        });
      } else if (o.status === 'refused') {
        it(`${name}: refused, naming it and why`, () => {
          const err = optionError(() => run(t, { ...t.base, [name]: ANY_VALUE[name] ?? true }));
          expect(err.option).toBe(name);
          expect(err.message).toBe(`T: option "${name}" is not supported: ${o.why}`);
        });
      } else {
        it(`${name}: accepted with one warning naming it, and nothing changes`, () => {
          const { mapped, warnings } = run(t, { ...t.base, [name]: true });
          expect(warnings).toEqual([`T: option "${name}" is ignored: ${o.why}`]);
          expect(mapped.writer).toEqual(t.baseWriter);
          expect(mapped).toEqual(run(t, t.base).mapped);
        });
      }
    }
  });
}

describe('values the originals take but fanin cannot honour are refused with the reason', () => {
  const cases: [string, SourceSpec['id'], Conf, string][] = [
    ['winston options.flags "w"', 'winston-file', { options: { flags: 'w' } }, 'options.flags'],
    [
      'winston options.encoding',
      'winston-file',
      { options: { encoding: 'latin1' } },
      'options.encoding',
    ],
    [
      'DRF options.flags "w"',
      'winston-daily-rotate-file',
      { options: { flags: 'w' } },
      'options.flags',
    ],
    ['log4js flags "w"', 'log4js-file', { flags: 'w' }, 'flags'],
    ['log4js fileSync flags "w+"', 'log4js-file-sync', { flags: 'w+' }, 'flags'],
    ['log4js dateFile encoding', 'log4js-date-file', { encoding: 'utf16le' }, 'encoding'],
  ];
  for (const [name, id, extra, option] of cases) {
    it(name, () => {
      const t = TABLES[id] as Table;
      const err = optionError(() => run(t, { ...t.base, ...extra }));
      expect(err.option).toBe(option);
      expect(err.message).toMatch(
        new RegExp(`^T: option "${option}" expects one of .*, got .* \\(.+\\)$`),
      );
    });
  }
});
