import { FaninOptionError } from '../contract/errors.js';
import {
  checkOptions,
  type OptionSpec,
  type OptionWarn,
  unknownOption,
  warnOptionOnce,
} from '../contract/options.js';
import { fromLog4jsDateFile, log4jsDateFileSource } from './options/log4js-date-file.js';
import { fromLog4jsFile, type Log4jsMapped, log4jsFileSource } from './options/log4js-file.js';
import { fromLog4jsFileSync, log4jsFileSyncSource } from './options/log4js-file-sync.js';
import { optionSpecOf, type SourceSpec } from './options/source-spec.js';
import { dailyRotateSource, fromDailyRotate } from './options/winston-daily-rotate.js';
import { fromWinstonFile, type WinstonMapped, winstonFileSource } from './options/winston-file.js';

type Mapper<T> = (where: string, given: Record<string, unknown>, warn?: OptionWarn) => T;
interface Family<T> {
  /** `like` value → source and its mapping. */
  byLike: Record<string, { source: SourceSpec; map: Mapper<T> }>;
  /** Which `like` a config without one reads as. */
  guess(given: Record<string, unknown>): string;
}

// Options only winston-daily-rotate-file has (index.d.ts); `maxSize` is not among them, being
// also winston File's `maxsize` mistyped: alone it gets a "did you mean".
const DRF_MARKERS = [
  'datePattern',
  'frequency',
  'utc',
  'extension',
  'createSymlink',
  'symlinkName',
  'auditFile',
  'auditHashType',
  'watchLog',
];
const DATE_FILE_MARKERS = ['pattern', 'alwaysIncludePattern', 'numBackups', 'daysToKeep'];

const winston: Family<WinstonMapped> = {
  byLike: {
    File: { source: winstonFileSource, map: fromWinstonFile },
    DailyRotateFile: { source: dailyRotateSource, map: fromDailyRotate },
  },
  guess: (g) =>
    DRF_MARKERS.some((k) => g[k] !== undefined) ||
    (typeof g.filename === 'string' && g.filename.includes('%DATE%')) ||
    (typeof g.maxFiles === 'string' && g.maxFiles.endsWith('d'))
      ? 'DailyRotateFile'
      : 'File',
};

const log4js: Family<Log4jsMapped> = {
  byLike: {
    file: { source: log4jsFileSource, map: fromLog4jsFile },
    dateFile: { source: log4jsDateFileSource, map: fromLog4jsDateFile },
    fileSync: { source: log4jsFileSyncSource, map: fromLog4jsFileSync },
  },
  guess: (g) => (DATE_FILE_MARKERS.some((k) => g[k] !== undefined) ? 'dateFile' : 'file'),
};

/** Every source whose options fanin reads, in README order. */
export const optionSources: readonly SourceSpec[] = [
  winstonFileSource,
  dailyRotateSource,
  log4jsFileSource,
  log4jsDateFileSource,
  log4jsFileSyncSource,
];

/** The winston File vocabulary as check rules (kept for callers of the 0.x API). */
export const winstonFileSpec: OptionSpec = optionSpecOf(winstonFileSource);
/** The log4js file vocabulary as check rules (kept for callers of the 0.x API). */
export const log4jsFileSpec: OptionSpec = optionSpecOf(log4jsFileSource);

function entryOf<T>(family: Family<T>, where: string, given: Record<string, unknown>) {
  const like = given.like ?? family.guess(given);
  const entry = family.byLike[like as string];
  if (!entry) {
    const values = Object.keys(family.byLike)
      .map((v) => JSON.stringify(v))
      .join(', ');
    throw new FaninOptionError(
      'like',
      `${where}: option "like" expects one of ${values}, got ${JSON.stringify(like)}`,
    );
  }
  return entry;
}

function check<T>(
  family: Family<T>,
  where: string,
  given: unknown,
  extra: OptionSpec,
  warn: OptionWarn,
) {
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    checkOptions(where, given, extra, warn);
    return;
  }
  const g = given as Record<string, unknown>;
  const { source } = entryOf(family, where, g);
  const spec: OptionSpec = { ...extra, like: { kind: 'string' }, ...optionSpecOf(source) };
  for (const name of Object.keys(g)) {
    if (name in spec) continue;
    const err = unknownOption(where, name, Object.keys(spec));
    const other = Object.entries(family.byLike).find(([, e]) => name in e.source.options);
    if (!other) throw err;
    const hint = `"${name}" is a ${other[1].source.title} option: set like: "${other[0]}" to read the config as one`;
    throw new FaninOptionError(name, `${err.message.slice(0, -1)}; ${hint})`);
  }
  checkOptions(where, g, spec, warn);
}

/**
 * Checks a winston transport's options against the source they read as (winston File, or
 * winston-daily-rotate-file when a DRF-only option or `%DATE%` is present, or as `like` says)
 * plus `extra` (fanin's own options). Unknown names get a "did you mean".
 *
 * @example
 * checkWinstonOptions('AppendFileTransport', { filename: 'a.log', maxSize: 10 }, {}); // throws: did you mean "maxsize"?
 */
export function checkWinstonOptions(
  where: string,
  given: unknown,
  extra: OptionSpec,
  warn = warnOptionOnce,
): void {
  check(winston, where, given, extra, warn);
}

/** Checks a log4js appender config as {@link checkWinstonOptions} does (file / dateFile / fileSync). */
export function checkLog4jsConfig(
  where: string,
  given: unknown,
  extra: OptionSpec,
  warn = warnOptionOnce,
): void {
  check(log4js, where, given, extra, warn);
}

/**
 * Maps checked winston options onto writer options and the line ending, as the source they
 * read as (see {@link checkWinstonOptions}) understands them.
 *
 * @example
 * fromWinstonOptions('T', { filename: 'app-%DATE%.log', maxFiles: '14d' }).writer.maxAgeMs; // 1209600000
 */
export function fromWinstonOptions(
  where: string,
  given: Record<string, unknown>,
  warn = warnOptionOnce,
): WinstonMapped {
  return entryOf(winston, where, given).map(where, given, warn);
}

/**
 * Maps a checked log4js appender config onto writer options and the appender's extras, as
 * log4js's file, dateFile or fileSync appender reads it.
 *
 * @example
 * fromLog4jsConfig({ type: '@fanin/append-file', filename: 'app.log', like: 'dateFile' }).writer.datePattern; // 'yyyy-MM-dd'
 */
export function fromLog4jsConfig(
  config: Record<string, unknown>,
  where = 'log4js appender',
  warn = warnOptionOnce,
): Log4jsMapped {
  return entryOf(log4js, where, config).map(where, config, warn);
}
