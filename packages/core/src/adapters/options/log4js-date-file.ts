import { type OptionWarn, warnOptionOnce } from '../../contract/options.js';
import {
  type Log4jsMapped,
  log4jsBase,
  log4jsCommon,
  log4jsFileSource,
  rotationOnly,
} from './log4js-file.js';
import { honoured, type SourceOption, type SourceSpec } from './source-spec.js';

const fileOptions = log4jsFileSource.options as Record<string, SourceOption>;

/** log4js 6 `dateFile` appender (streamroller DateRollingFileStream), option by option. */
export const log4jsDateFileSource: SourceSpec = {
  id: 'log4js-date-file',
  title: 'log4js dateFile (log4js 6.x)',
  selectedBy:
    'a log4js config with `pattern`, `alwaysIncludePattern`, `numBackups` or `daysToKeep`, or `like: "dateFile"`',
  options: {
    ...log4jsCommon,
    filename: {
      ...log4jsCommon.filename,
      doc: 'the log file ("~" is not expanded, as in dateFile)',
    },
    pattern: honoured(
      { kind: 'string' },
      "datePattern, dateDialect 'date-format'",
      'date-format pattern (hh = 24-hour); its finest token sets the period',
      { default: "'yyyy-MM-dd'" },
    ),
    alwaysIncludePattern: honoured(
      { kind: 'boolean' },
      'dateInName',
      'the date is in the active file name too',
      { default: 'false' },
    ),
    numBackups: honoured({ kind: 'int', min: 0 }, 'backups', 'dated files kept', { default: '1' }),
    daysToKeep: honoured(
      { kind: 'int', min: 0 },
      'backups',
      'deprecated alias of numBackups (streamroller-DEP0001), read when numBackups is absent',
    ),
    maxLogSize: honoured(
      { kind: 'size' },
      "maxBytes, rotationNaming 'log4js-date'",
      'size parts within one date (app.log.2024-01-01.1)',
    ),
    compress: { ...rotationOnly('gzip rotated files'), maps: 'compress', default: 'false' },
    keepFileExt: fileOptions.keepFileExt as SourceOption,
    fileNameSep: fileOptions.fileNameSep as SourceOption,
    backups: {
      status: 'ignored',
      why: 'dateFile keeps "numBackups" files; use numBackups',
      doc: 'the file appender option',
    },
    removeColor: rotationOnly('strip ANSI colours', 'ignored', 'dateFile'),
  },
};

/**
 * Maps a log4js `dateFile` config (already checked) with streamroller's defaults: `pattern`
 * 'yyyy-MM-dd' in date-format's tokens, `numBackups` 1 (or `daysToKeep`), `mode` 0o600, and
 * `maxLogSize` as size parts within a date. Unlike file and fileSync, `~` is not expanded.
 *
 * @example
 * fromLog4jsDateFile('a', { type: 'x', filename: 'app.log' }).writer.datePattern; // 'yyyy-MM-dd'
 */
export function fromLog4jsDateFile(
  where: string,
  config: Record<string, unknown>,
  _warn: OptionWarn = warnOptionOnce,
): Log4jsMapped {
  const mapped = log4jsBase(where, config, log4jsDateFileSource, false);
  const w: Record<string, unknown> = mapped.writer;
  w.datePattern = config.pattern ?? 'yyyy-MM-dd';
  w.dateDialect = 'date-format';
  w.dateInName = config.alwaysIncludePattern === true;
  w.backups = config.numBackups ?? config.daysToKeep ?? 1;
  if (config.maxLogSize !== undefined && config.maxLogSize !== 0) {
    w.maxBytes = config.maxLogSize;
    w.rotationNaming = 'log4js-date';
  }
  for (const k of ['compress', 'keepFileExt', 'fileNameSep']) {
    if (config[k] !== undefined) w[k] = config[k];
  }
  return mapped;
}
