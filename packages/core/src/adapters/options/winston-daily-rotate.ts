import * as os from 'node:os';
import * as path from 'node:path';
import { FaninOptionError } from '../../contract/errors.js';
import { type OptionWarn, warnOptionOnce } from '../../contract/options.js';
import {
  honoured,
  ignoredHere,
  type MappedWriterOptions,
  type SourceSpec,
  shared,
} from './source-spec.js';
import { fromStreamOptions, nonEmptyFilename, passThrough, winstonPath } from './stream-options.js';
import { type WinstonMapped, winstonFileOptions } from './winston-file.js';

const DAY_MS = 86_400_000;
// file-stream-rotator's size syntax (FileStreamRotator.parseFileSize): "20m", "1k", "0.5g".
const SIZE = /^((?:0\.)?\d+)([kmg])$/i;
// file-stream-rotator's frequency syntax (getFrequency): "5m" (0 < n <= 60), "3h" (<= 24).
const PERIOD = /^(\d+)([mh])$/i;

const { level, format, silent, handleExceptions, handleRejections, eol, options, dirname } =
  winstonFileOptions();

/**
 * The options winston-daily-rotate-file 5.x (index.d.ts) has beyond winston File's, and `like`,
 * so that a TypeScript config written for `new DailyRotateFile(opts)` compiles unchanged.
 */
export interface DailyRotateFileOptions {
  /** Which transport's options these are. @default by the options present */
  like?: 'File' | 'DailyRotateFile';
  datePattern?: string;
  frequency?: string;
  maxSize?: string | number;
  utc?: boolean;
  extension?: string;
  createSymlink?: boolean;
  symlinkName?: string;
  auditFile?: string;
  auditHashType?: 'md5' | 'sha256';
  watchLog?: boolean;
  json?: boolean;
}

/** winston-daily-rotate-file 5.x (over file-stream-rotator), option by option. */
export const dailyRotateSource: SourceSpec = {
  id: 'winston-daily-rotate-file',
  title: 'winston-daily-rotate-file (5.x)',
  selectedBy:
    'a winston config with `datePattern`, `%DATE%` in `filename`, `frequency`, `utc`, `extension`, `createSymlink`, `symlinkName`, `auditFile`, `auditHashType`, `watchLog` or an age in `maxFiles`, or `like: "DailyRotateFile"`',
  options: {
    filename: honoured(
      { kind: 'string' },
      "filename (with '.%DATE%' appended when it has no %DATE%)",
      'the log file name; %DATE% is replaced by the date',
      { default: "'winston.log' in dirname" },
    ),
    dirname,
    datePattern: honoured(
      { kind: 'string' },
      "datePattern, dateDialect 'moment'",
      'moment.js date format; its finest token sets the period',
      { default: "'YYYY-MM-DD'" },
    ),
    frequency: {
      status: 'honoured',
      rule: {
        kind: 'custom',
        expected: '"daily", "custom", or minutes / hours such as "5m" (<= 60) or "3h" (<= 24)',
        check: (v) => typeof v === 'string' && periodOf(v) !== false,
      },
      maps: 'periodMs',
      doc: 'rotate every N minutes or hours within the date pattern',
    },
    maxSize: {
      status: 'honoured',
      rule: {
        kind: 'custom',
        expected:
          'a positive integer (bytes, rounded to KiB) or a string such as "20m", "1k", "1g"',
        check: (v) => sizeOf(v) !== undefined,
      },
      maps: "maxBytes, rotationNaming 'daily-rotate'",
      doc: 'size parts within one date (app-2024-01-01.log.1)',
    },
    maxFiles: {
      status: 'honoured',
      rule: {
        kind: 'custom',
        expected: 'a file count (integer >= 1) or days such as "14d"',
        check: (v) => retentionOf(v) !== undefined,
      },
      maps: 'backups = n - 1, or maxAgeMs for "Nd"',
      doc: 'files kept (the active one counted) or days kept',
    },
    zippedArchive: honoured({ kind: 'boolean' }, 'compress', 'gzip rotated files', {
      default: 'false',
    }),
    utc: honoured({ kind: 'boolean' }, 'utc', 'dates in UTC', { default: 'false' }),
    extension: honoured(
      { kind: 'string' },
      'extension',
      'appended after the date (and part number)',
      { default: "''" },
    ),
    createSymlink: honoured(
      { kind: 'boolean' },
      'symlinkName',
      'keep a symlink to the active file',
      { default: 'false' },
    ),
    symlinkName: honoured(
      { kind: 'string' },
      'symlinkName',
      'name of that symlink; without createSymlink ignored (warned)',
      { default: "'current.log'" },
    ),
    auditFile: honoured(
      { kind: 'string' },
      'auditFile',
      "the audit JSON, in DRF's format; DRF's default name hashes every option, so fanin writes one only when named",
      { default: 'none (retention reads the directory)' },
    ),
    auditHashType: honoured(
      { kind: 'enum', values: ['md5', 'sha256'] },
      'auditHashType',
      'hash of the audit entries',
      { default: "'sha256'" },
    ),
    watchLog: honoured(
      { kind: 'boolean' },
      'always on: reopenCheckMs',
      'recreate the active file when it is removed; fanin always reopens a moved or removed file',
    ),
    options,
    stream: shared.stream,
    json: {
      status: 'ignored',
      why: "read only by DRF's query() to parse lines; fanin's query() parses JSON lines either way",
      doc: 'query() reads JSON lines',
    },
    eol,
    level,
    format,
    silent,
    handleExceptions,
    handleRejections,
  },
};

function periodOf(v: string): number | undefined | false {
  if (v === 'daily' || v === 'custom') return undefined;
  const m = PERIOD.exec(v);
  const n = Number(m?.[1]);
  if (!m || n <= 0 || n > ((m[2] as string).toLowerCase() === 'm' ? 60 : 24)) return false;
  return n * ((m[2] as string).toLowerCase() === 'm' ? 60_000 : 3_600_000);
}

/** Bytes of a DRF `maxSize`: integers are rounded to KiB (at least 1k), as DRF's getMaxSize. */
export function sizeOf(v: unknown): number | undefined {
  if (Number.isInteger(v) && (v as number) > 0)
    return Math.max(1, Math.round((v as number) / 1024)) * 1024;
  const m = typeof v === 'string' ? SIZE.exec(v) : null;
  if (!m) return undefined;
  const unit = { k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(m[2] as string).toLowerCase() as 'k'];
  const n = Math.floor(Number(m[1]) * unit);
  return n > 0 ? n : undefined;
}

function retentionOf(v: unknown): { backups: number } | { maxAgeMs: number } | undefined {
  const m = /^(\d+)(d?)$/.exec(String(v));
  if ((typeof v !== 'number' && typeof v !== 'string') || !m || Number(m[1]) < 1) return undefined;
  return m[2] ? { maxAgeMs: Number(m[1]) * DAY_MS } : { backups: Number(m[1]) - 1 };
}

/**
 * Maps a winston-daily-rotate-file config (already checked) onto writer options with its
 * defaults: `datePattern` 'YYYY-MM-DD' (moment tokens), the date appended to a filename without
 * `%DATE%` (file-stream-rotator's `filename + '.' + date`), `symlinkName` 'current.log'.
 *
 * @example
 * fromDailyRotate('T', { filename: 'app-%DATE%.log', maxSize: '20m', maxFiles: '14d' }).writer;
 */
export function fromDailyRotate(
  where: string,
  given: Record<string, unknown>,
  warn: OptionWarn = warnOptionOnce,
): WinstonMapped {
  const writer = passThrough(given, dailyRotateSource, ['like']);
  nonEmptyFilename(where, given.filename);
  if (given.filename === undefined && given.dirname === undefined) {
    throw new FaninOptionError('filename', `${where}: give "filename" or "dirname"`);
  }
  const file = winstonPath(given, 'winston.log');
  writer.filename = file.includes('%DATE%') ? file : `${file}.%DATE%`;
  writer.datePattern = given.datePattern ?? 'YYYY-MM-DD';
  writer.dateDialect = 'moment';
  Object.assign(writer, fromStreamOptions(where, given.options));
  const period = given.frequency === undefined ? undefined : periodOf(given.frequency as string);
  if (typeof period === 'number') writer.periodMs = period;
  if (given.maxSize !== undefined) {
    writer.maxBytes = sizeOf(given.maxSize);
    writer.rotationNaming = 'daily-rotate';
  }
  if (given.maxFiles !== undefined) Object.assign(writer, retentionOf(given.maxFiles));
  if (given.zippedArchive === true) writer.compress = true;
  if (given.utc === true) writer.utc = true;
  if (given.extension) writer.extension = given.extension;
  sideFiles(where, given, writer, warn);
  return {
    writer: writer as MappedWriterOptions,
    eol: (given.eol as string | undefined) ?? os.EOL,
  };
}

// The files DRF keeps beside the log: the symlink to the active file and the audit JSON.
function sideFiles(
  where: string,
  given: Record<string, unknown>,
  writer: Record<string, unknown>,
  warn: OptionWarn,
): void {
  if (given.createSymlink === true) writer.symlinkName = given.symlinkName ?? 'current.log';
  else if (given.symlinkName !== undefined) {
    ignoredHere(where, warn, 'symlinkName', 'DRF reads it only with createSymlink: true');
  }
  if (given.auditFile !== undefined) {
    writer.auditFile = path.resolve(given.auditFile as string);
    writer.auditHashType = given.auditHashType ?? 'sha256';
  } else if (given.auditHashType !== undefined) {
    ignoredHere(
      where,
      warn,
      'auditHashType',
      'fanin writes an audit file only when "auditFile" names it',
    );
  }
}
