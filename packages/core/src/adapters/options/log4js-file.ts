import * as os from 'node:os';
import * as path from 'node:path';
import { FaninOptionError } from '../../contract/errors.js';
import { type OptionWarn, warnOptionOnce } from '../../contract/options.js';
import type { MappedWriterOptions, SourceOption, SourceSpec } from './source-spec.js';
import { honoured, ignoredHere, shared } from './source-spec.js';
import { nonEmptyFilename, passThrough } from './stream-options.js';

/** What a log4js appender needs beside the writer options. */
export interface Log4jsExtras {
  eol: string;
  removeColor: boolean;
  timezoneOffset: number | undefined;
  layout: { type: string; [k: string]: unknown } | undefined;
}

/** Writer options and appender extras of a log4js config. */
export interface Log4jsMapped {
  writer: MappedWriterOptions;
  extras: Log4jsExtras;
}

/** Entries every log4js file appender shares (lib/appenders/file.js, dateFile.js, fileSync.js). */
export const log4jsCommon = {
  type: honoured(
    { kind: 'custom', expected: 'a module name or object', check: () => true },
    'the fanin module',
    'the appender module: a fanin package name or module object',
  ),
  filename: honoured(
    { kind: 'string' },
    'filename',
    'the log file; a leading "~/" is the home directory (file, fileSync)',
  ),
  layout: honoured({ kind: 'object' }, 'layout', 'log4js layout', { default: 'basic' }),
  timezoneOffset: honoured(
    { kind: 'int' },
    'layout',
    'timezone offset (minutes) given to the layout',
  ),
  mode: honoured({ kind: 'int', min: 0, max: 0o7777 }, 'mode', 'mode of a new file', {
    default: '0o600',
  }),
  flags: shared.flags,
  encoding: shared.encoding,
  maxLogSize: honoured(
    { kind: 'size' },
    "maxBytes, rotationNaming 'log4js'",
    'rotate before a write would pass this size (log4js: once reached; "10M" read as log4js reads it); 0 = never',
  ),
  eol: honoured(
    { kind: 'string' },
    'appended to each record',
    "fanin's: log4js 6 always writes os.EOL",
    { default: 'os.EOL' },
  ),
  category: {
    status: 'ignored',
    why: 'a log4js 1 option; log4js 6 assigns appenders in "categories"',
    doc: 'log4js 1 category',
  },
} as const satisfies Record<string, SourceOption>;

/** A boolean rotation option, or one this source ignores (warned). */
export const rotationOnly = (
  doc: string,
  status: 'honoured' | 'ignored' = 'honoured',
  appender = 'fileSync',
) =>
  status === 'ignored'
    ? ({ status, why: `log4js ${appender} does not read it`, doc } as const)
    : ({ status, rule: { kind: 'boolean' }, doc } as const);

/** log4js 6 `file` appender (streamroller RollingFileStream), option by option. */
export const log4jsFileSource: SourceSpec = {
  id: 'log4js-file',
  title: 'log4js file (log4js 6.x)',
  selectedBy:
    'a log4js config without dateFile options (`pattern`, `alwaysIncludePattern`, `numBackups`, `daysToKeep`), or `like: "file"`',
  options: {
    ...log4jsCommon,
    backups: honoured(
      { kind: 'int', min: 0 },
      'backups',
      'rotated files kept; without maxLogSize ignored (warned), as log4js does',
      { default: '5' },
    ),
    compress: {
      ...rotationOnly('gzip rotated files (app.log.1.gz)'),
      maps: 'compress',
      default: 'false',
    },
    keepFileExt: {
      ...rotationOnly('app.1.log instead of app.log.1'),
      maps: 'keepFileExt',
      default: 'false',
    },
    fileNameSep: honoured({ kind: 'string' }, 'fileNameSep', 'separator before the backup number', {
      default: "'.'",
    }),
    removeColor: honoured({ kind: 'boolean' }, 'appender', 'strip ANSI colours from the message', {
      default: 'false',
    }),
  },
};

/** log4js's `~` rule (file.js, fileSync.js): only a leading `~/` is the home directory. */
export function expandHome(file: string): string {
  return file.startsWith(`~${path.sep}`) ? os.homedir() + file.slice(1) : file;
}

/** The filename checks log4js's file appenders make, with fanin's wording. */
export function log4jsFilename(where: string, file: unknown, expand: boolean): string | undefined {
  if (file === undefined) return undefined;
  nonEmptyFilename(where, file);
  const name = file as string;
  if (name.endsWith(path.sep)) {
    throw new FaninOptionError(
      'filename',
      `${where}: option "filename" names a directory: ${name}`,
    );
  }
  return path.normalize(expand ? expandHome(name) : name);
}

/** Extras and the shared writer options of any log4js appender config. */
export function log4jsBase(
  where: string,
  config: Record<string, unknown>,
  source: SourceSpec,
  expand: boolean,
): Log4jsMapped {
  const writer = passThrough(config, source, ['like']);
  const filename = log4jsFilename(where, config.filename, expand);
  if (filename !== undefined) writer.filename = filename;
  // "security default (instead of relying on streamroller default)": log4js sets 0o600.
  writer.mode = config.mode || 0o600;
  return {
    writer: writer as MappedWriterOptions,
    extras: {
      eol: (config.eol as string | undefined) ?? os.EOL,
      // dateFile and fileSync accept removeColor and do nothing with it (warned as ignored).
      removeColor: config.removeColor === true && source.options.removeColor?.status === 'honoured',
      timezoneOffset: config.timezoneOffset as number | undefined,
      layout: config.layout as Log4jsExtras['layout'],
    },
  };
}

/** Size rotation as log4js file / fileSync read it: only with a non-zero `maxLogSize`. */
export function log4jsSizeRotation(
  where: string,
  config: Record<string, unknown>,
  writer: Record<string, unknown>,
  warn: OptionWarn,
  options: readonly string[],
): void {
  if (config.maxLogSize !== undefined && config.maxLogSize !== 0) {
    writer.maxBytes = config.maxLogSize;
    writer.rotationNaming = 'log4js';
    // log4js: `numBackups = !numBackups && numBackups !== 0 ? 5 : numBackups`.
    writer.backups = config.backups ?? 5;
    for (const k of options) if (config[k] !== undefined) writer[k] = config[k];
    return;
  }
  for (const k of ['backups', ...options]) {
    if (config[k] !== undefined && config[k] !== false) {
      ignoredHere(
        where,
        warn,
        k,
        'log4js reads it only beside "maxLogSize"; set maxLogSize to rotate',
      );
    }
  }
}

/**
 * Maps a log4js `file` appender config (already checked) onto writer options with log4js's
 * defaults: `mode` 0o600, `backups` 5 beside `maxLogSize`, a leading `~/` expanded.
 *
 * @example
 * fromLog4jsFile('a', { type: 'x', filename: '~/app.log', maxLogSize: '1M' }).writer.backups; // 5
 */
export function fromLog4jsFile(
  where: string,
  config: Record<string, unknown>,
  warn: OptionWarn = warnOptionOnce,
): Log4jsMapped {
  const mapped = log4jsBase(where, config, log4jsFileSource, true);
  log4jsSizeRotation(where, config, mapped.writer, warn, [
    'compress',
    'keepFileExt',
    'fileNameSep',
  ]);
  return mapped;
}
