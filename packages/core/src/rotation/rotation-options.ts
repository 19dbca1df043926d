import { FaninError, FaninOptionError, warnOnce } from '../contract/errors.js';
import { parseSize } from '../contract/options.js';
import { type DateDialect, DatePattern } from './date-pattern.js';
import type { DateNaming } from './dated-names.js';
import type { ExclusiveLock } from './rotation-lock.js';
import type { RotationNaming } from './rotation-naming.js';
import type { CommonRotationOptions } from './rotation-policy.js';
import type { SizeRotationOptions } from './size-rotation.js';
import type { TimeRotationOptions } from './time-rotation.js';

/**
 * The flat writer options that rotation reads, documented here once: `FileWriterOptions`
 * extends them (declared on this side so that rotation does not import the writer that builds
 * on it).
 */
export interface RotationWriterOptions {
  filename?: string;
  mode?: number;
  /** Rotate before a write would take the file past this size ("10M" accepted). Off when absent. */
  maxBytes?: number | string;
  /** Rotated files kept, the active file not counted. @default all (5 under log4js) */
  backups?: number;
  /** gzip rotated files in the background. @default false */
  compress?: boolean;
  /**
   * How rotated files are named: size rotation `'log4js'` (`app.log.1`), `'winston-tailable'`,
   * `'winston'`; time rotation `'log4js-date'` (`'log4js'` is read as it) or `'daily-rotate'`
   * (see {@link DateNaming}).
   * @default 'log4js'; with `datePattern`, 'daily-rotate' when the filename holds `%DATE%`, else 'log4js-date'
   */
  rotationNaming?: RotationNaming | DateNaming;
  /** log4js `keepFileExt`. @default false */
  keepFileExt?: boolean;
  /** log4js `fileNameSep`. @default '.' */
  fileNameSep?: string;
  /** A rotation lock older than this (its owner gone) is taken over. @default 10000 */
  lockStaleMs?: number;
  /** How long a writer waits for another's rotation before writing on. @default 1000 */
  lockWaitMs?: number;
  /**
   * Time rotation: a date pattern in `dateDialect`'s tokens; a period ends when the label it
   * prints changes (its finest field). With `maxBytes` too, a period's file is cut into parts.
   * Off when absent.
   */
  datePattern?: string;
  /**
   * The token vocabulary of `datePattern`: `'date-format'` (log4js: `yyyy-MM-dd-hh`, `hh` is
   * 24-hour) or `'moment'` (winston-daily-rotate-file: `YYYY-MM-DD-HH`, `hh` is 12-hour,
   * `[text]` literal). A token fanin does not print (era, zone names, locale formats) is refused.
   * @default 'date-format' when the pattern holds `yy`, else 'moment'
   */
  dateDialect?: DateDialect;
  /** Dates in UTC, not local time (winston-daily-rotate-file `utc`). @default false */
  utc?: boolean;
  /**
   * winston-daily-rotate-file `frequency` as ms ('5m' → 300000, '3h' → 10800000): the minute (or
   * hour) is rounded down to a multiple of it within its hour (or day) before the label is
   * printed, as file-stream-rotator does. A whole number of minutes 1-60 or hours 1-24.
   */
  periodMs?: number;
  /** The date is in the active file's name (log4js `alwaysIncludePattern`; implied by `%DATE%`). */
  dateInName?: boolean;
  /** Time rotation: dated files last written longer ago than this are deleted. */
  maxAgeMs?: number;
  /**
   * Appended after the date (and part number) under `'daily-rotate'` naming
   * (winston-daily-rotate-file `extension`). @default ''
   */
  extension?: string;
  /**
   * Keep a symbolic link of this name in the log's directory pointing at the active file
   * (winston-daily-rotate-file `createSymlink` with `symlinkName`, whose default is
   * `current.log`). `'daily-rotate'` naming only. Off when absent.
   */
  symlinkName?: string;
  /**
   * Keep winston-daily-rotate-file's audit file at this path, in its format; retention then
   * works from it as there (`backups` + 1 files, the active one included, or `maxAgeMs` in
   * whole days from each file's creation). `'daily-rotate'` naming, with `backups` or
   * `maxAgeMs`. Off when absent.
   */
  auditFile?: string;
  /** Hash of the audit's entries (winston-daily-rotate-file `auditHashType`). @default 'sha256' */
  auditHashType?: 'md5' | 'sha256';
  onError?: (err: FaninError) => void;
}

type Policies = { rotation?: SizeRotationOptions; timeRotation?: TimeRotationOptions };

const SHARED = ['backups', 'compress', 'keepFileExt', 'fileNameSep', 'rotationNaming'] as const;
// Options that only mean something beside a date pattern.
const DATED = [
  'dateInName',
  'maxAgeMs',
  'dateDialect',
  'utc',
  'periodMs',
  'extension',
  'symlinkName',
  'auditFile',
  'auditHashType',
] as const;
/** Every rotation option's name: a writer whose records go elsewhere than a file refuses them. */
export const ROTATION_OPTION_NAMES: readonly string[] = [
  ...['maxBytes', 'datePattern', 'lockStaleMs', 'lockWaitMs'],
  ...SHARED,
  ...DATED,
];
const SIZE_NAMINGS: readonly string[] = ['log4js', 'winston-tailable', 'winston'];

/**
 * Turns the flat writer options into a size or a time rotation policy's options (a time one
 * with size parts when both `datePattern` and `maxBytes` are given), rejecting combinations
 * that cannot be honoured (rotation options without a rotation, a naming of the other kind,
 * rotation of a descriptor or a device).
 */
export function rotationFromOptions(
  o: RotationWriterOptions,
  where: string,
  lockFor?: (filename: string) => ExclusiveLock,
): Policies {
  const bySize = o.maxBytes !== undefined;
  const byTime = o.datePattern !== undefined;
  if (!bySize && !byTime) {
    for (const k of [...SHARED, ...DATED] as const) {
      if (o[k] !== undefined && o[k] !== false) {
        throw new FaninOptionError(
          k,
          `${where}: option "${k}" needs "maxBytes" or "datePattern" (rotation)`,
        );
      }
    }
    return {};
  }
  if (o.filename === undefined || o.filename.startsWith('/dev/')) {
    const option = byTime ? 'datePattern' : 'maxBytes';
    throw new FaninOptionError(option, `${where}: rotation needs a regular file as "filename"`);
  }
  const common = commonOf(o, where, lockFor);
  return byTime
    ? { timeRotation: timeOf(o, where, common) }
    : { rotation: sizeOf(o, where, common) };
}

function sizeOf(o: RotationWriterOptions, where: string, common: CommonRotationOptions) {
  for (const k of DATED) {
    if (o[k] !== undefined && o[k] !== false) {
      throw new FaninOptionError(k, `${where}: option "${k}" goes with "datePattern"`);
    }
  }
  const r: SizeRotationOptions = { ...common, maxBytes: parseSize('maxBytes', o.maxBytes) };
  if (o.rotationNaming !== undefined) {
    if (!SIZE_NAMINGS.includes(o.rotationNaming)) {
      throw new FaninOptionError(
        'rotationNaming',
        `${where}: option "rotationNaming": "${o.rotationNaming}" names dated files: it needs "datePattern"`,
      );
    }
    r.naming = o.rotationNaming as RotationNaming;
  }
  return r;
}

function timeOf(o: RotationWriterOptions, where: string, common: CommonRotationOptions) {
  const naming = dateNamingOf(o, where);
  const t: TimeRotationOptions = { ...common, pattern: o.datePattern as string, naming };
  if (o.maxBytes !== undefined) t.maxBytes = parseSize('maxBytes', o.maxBytes);
  if (o.dateDialect !== undefined) t.dialect = o.dateDialect;
  if (o.utc !== undefined) t.utc = o.utc;
  if (o.periodMs !== undefined) t.periodMs = o.periodMs;
  if (o.extension !== undefined) t.extension = o.extension;
  if (o.dateInName !== undefined) t.includeInActive = o.dateInName;
  if (o.maxAgeMs !== undefined) t.maxAgeMs = o.maxAgeMs;
  dailyExtras(o, where, t);
  try {
    new DatePattern(t.pattern, {
      ...(t.dialect ? { dialect: t.dialect } : {}),
      ...(t.periodMs === undefined ? {} : { periodMs: t.periodMs }),
    });
  } catch (err) {
    const option = /periodMs/.test((err as Error).message) ? 'periodMs' : 'datePattern';
    throw new FaninOptionError(option, `${where}: option "${option}": ${(err as Error).message}`);
  }
  return t;
}

// log4js-date unless told or the filename holds winston-daily-rotate-file's `%DATE%`; the
// options of one source are refused under the other's naming rather than half honoured.
function dateNamingOf(o: RotationWriterOptions, where: string): DateNaming {
  const given = o.rotationNaming === 'log4js' ? 'log4js-date' : o.rotationNaming;
  const hasDate = (o.filename as string).includes('%DATE%');
  const naming = given ?? (hasDate ? 'daily-rotate' : 'log4js-date');
  const refuse: (option: string, why: string) => never = (option, why) => {
    throw new FaninOptionError(option, `${where}: option "${option}": ${why}`);
  };
  if (naming !== 'log4js-date' && naming !== 'daily-rotate') {
    refuse(
      'rotationNaming',
      `"${naming}" names size backups; with "datePattern" use "log4js-date" or "daily-rotate"`,
    );
  }
  if (naming === 'log4js-date') {
    const placeholder = '"%DATE%" is winston-daily-rotate-file\'s placeholder';
    if (hasDate) refuse('filename', `${placeholder}: it goes with rotationNaming "daily-rotate"`);
    for (const k of ['extension', 'symlinkName', 'auditFile', 'auditHashType'] as const) {
      if (o[k] !== undefined) refuse(k, 'goes with rotationNaming "daily-rotate"');
    }
  } else {
    for (const k of ['keepFileExt', 'fileNameSep'] as const) {
      if (o[k] !== undefined && o[k] !== false) refuse(k, 'goes with rotationNaming "log4js-date"');
    }
    if (o.dateInName === false)
      refuse('dateInName', 'daily-rotate always has the date in the name');
  }
  return naming;
}

function commonOf(o: RotationWriterOptions, where: string, lockFor?: (f: string) => ExclusiveLock) {
  const r: Omit<SizeRotationOptions, 'maxBytes'> = {};
  if (o.backups !== undefined) r.backups = o.backups;
  if (o.compress !== undefined) r.compress = o.compress;
  if (o.keepFileExt !== undefined) r.keepFileExt = o.keepFileExt;
  if (o.fileNameSep !== undefined) r.fileNameSep = o.fileNameSep;
  if (o.lockStaleMs !== undefined) r.lockStaleMs = o.lockStaleMs;
  if (o.lockWaitMs !== undefined) r.lockWaitMs = o.lockWaitMs;
  if (o.mode !== undefined) r.mode = o.mode;
  if (lockFor) r.lock = lockFor(o.filename as string);
  const report = o.onError ?? warnOnce;
  r.onError = (err) =>
    report(new FaninError('ERR_FANIN_WRITE', `${where}: ${err.message}`, { cause: err }));
  return r;
}

const DAY = 86_400_000;

// daily-rotate's symlink and audit file: refused where they could not be honoured as there.
function dailyExtras(o: RotationWriterOptions, where: string, t: TimeRotationOptions): void {
  const refuse = (option: string, why: string) =>
    new FaninOptionError(option, `${where}: option "${option}": ${why}`);
  t.onMarkError = (err) =>
    (o.onError ?? warnOnce)(
      new FaninError(
        'ERR_FANIN_WRITE',
        `${where}: symlink or audit update failed: ${err.message}`,
        {
          cause: err,
        },
      ),
    );
  if (o.symlinkName !== undefined) {
    if (!o.symlinkName || o.symlinkName.includes('/') || o.symlinkName.startsWith('.')) {
      throw refuse(
        'symlinkName',
        'a bare file name in the log\'s directory, such as "current.log"',
      );
    }
    t.symlinkName = o.symlinkName;
  }
  if (o.auditFile === undefined) {
    if (o.auditHashType !== undefined) throw refuse('auditHashType', 'goes with "auditFile"');
    return;
  }
  if ((o.backups === undefined) === (o.maxAgeMs === undefined)) {
    throw refuse(
      'auditFile',
      'the audit keeps a number of files ("backups") or of days ("maxAgeMs"): give one',
    );
  }
  if (o.maxAgeMs !== undefined && o.maxAgeMs % DAY !== 0) {
    throw refuse('maxAgeMs', 'with "auditFile", a whole number of days (the audit counts days)');
  }
  const keep =
    o.maxAgeMs !== undefined
      ? { days: true, amount: o.maxAgeMs / DAY }
      : { days: false, amount: (o.backups as number) + 1 };
  t.audit = { file: o.auditFile, hashType: o.auditHashType ?? 'sha256', keep };
}
