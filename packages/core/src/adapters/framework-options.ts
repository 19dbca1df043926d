import * as os from 'node:os';
import * as path from 'node:path';
import { FaninOptionError } from '../contract/errors.js';
import type { OptionSpec } from '../contract/options.js';
import type { FileWriterOptions } from '../write/file-writer.js';

/** winston `File` transport options, in winston's own names. */
export const winstonFileSpec: OptionSpec = {
  filename: { kind: 'string' },
  dirname: { kind: 'string' },
  eol: { kind: 'string' },
  lazy: { kind: 'boolean' },
  options: { kind: 'object' },
  level: { kind: 'string' },
  format: { kind: 'object' },
  silent: { kind: 'boolean' },
  handleExceptions: { kind: 'boolean' },
  handleRejections: { kind: 'boolean' },
  name: { kind: 'string' },
  highWaterMark: { kind: 'int', min: 1 },
  maxsize: { kind: 'size' },
  maxFiles: {
    kind: 'custom',
    expected: 'a file count (integer >= 1), or with datePattern an age such as "14d"',
    check: (v) =>
      (Number.isInteger(v) && (v as number) >= 1) || (typeof v === 'string' && /^\d+d$/.test(v)),
  },
  frequency: {
    kind: 'unsupported',
    why: 'fanin rotates on the period of "datePattern" (its finest field: YYYY-MM-DD-HH rotates hourly); custom frequencies are not supported',
  },
  tailable: { kind: 'boolean' },
  zippedArchive: { kind: 'boolean' },
  rotationFormat: {
    kind: 'unsupported',
    why: 'winston itself notes it is broken with maxFiles (the files to delete are never known); fanin names rotated files as winston does without it',
  },
  stream: {
    kind: 'unsupported',
    why: 'fanin writes whole records to a descriptor it owns; pass { fd } (or filename "/dev/stdout") instead',
  },
};

/** log4js `file` appender options, in log4js's own names. */
export const log4jsFileSpec: OptionSpec = {
  type: { kind: 'custom', expected: 'a module name or object', check: () => true },
  filename: { kind: 'string' },
  layout: { kind: 'object' },
  mode: { kind: 'int', min: 0, max: 0o7777 },
  flags: { kind: 'enum', values: ['a'] },
  encoding: { kind: 'enum', values: ['utf8', 'utf-8'] },
  removeColor: { kind: 'boolean' },
  timezoneOffset: { kind: 'int' },
  eol: { kind: 'string' },
  maxLogSize: { kind: 'size' },
  backups: { kind: 'int', min: 0 },
  compress: { kind: 'boolean' },
  keepFileExt: { kind: 'boolean' },
  fileNameSep: { kind: 'string' },
  pattern: { kind: 'string' },
  alwaysIncludePattern: { kind: 'boolean' },
  numBackups: { kind: 'int', min: 0 },
  daysToKeep: { kind: 'int', min: 0 },
};

const WINSTON_ONLY = [
  'maxsize',
  'maxFiles',
  'tailable',
  'zippedArchive',
  'dirname',
  'eol',
  'options',
  'level',
  'format',
  'silent',
  'handleExceptions',
  'handleRejections',
  'name',
  'highWaterMark',
];

/**
 * Maps winston `File` options onto writer options: `dirname` joins `filename` as winston does,
 * `options.mode` becomes `mode`, and `options.flags` may only be `'a'` (truncating a file that
 * other processes append to would destroy their records).
 */
export function fromWinstonOptions(
  where: string,
  given: Record<string, unknown>,
): { writer: FileWriterOptions; eol: string } {
  const writer: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(given)) if (!WINSTON_ONLY.includes(k)) writer[k] = v;
  if (typeof given.dirname === 'string' && typeof given.filename === 'string') {
    writer.filename = path.join(given.dirname, given.filename);
  }
  winstonRotation(where, given, writer);
  const streamOptions = (given.options ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(streamOptions)) {
    if (k === 'flags' && v !== 'a') {
      throw new FaninOptionError(
        'options.flags',
        `${where}: option "options.flags" must be "a" (append), got ${JSON.stringify(v)}`,
      );
    }
    if (k === 'encoding' && v !== 'utf8' && v !== 'utf-8') {
      throw new FaninOptionError(
        'options.encoding',
        `${where}: option "options.encoding" must be "utf8", got ${JSON.stringify(v)}`,
      );
    }
    if (k === 'mode') {
      if (!Number.isInteger(v)) {
        throw new FaninOptionError(
          'options.mode',
          `${where}: option "options.mode" expects an integer such as 0o644, got ${String(v)}`,
        );
      }
      writer.mode = v;
    } else if (k !== 'flags' && k !== 'encoding') {
      throw new FaninOptionError(
        `options.${k}`,
        `${where}: unknown option "options.${k}" (known: flags, mode, encoding)`,
      );
    }
  }
  return { writer: writer as FileWriterOptions, eol: (given.eol as string | undefined) ?? os.EOL };
}

/** What a log4js appender needs beside the writer options. */
export interface Log4jsExtras {
  eol: string;
  removeColor: boolean;
  timezoneOffset: number | undefined;
  layout: { type: string; [k: string]: unknown } | undefined;
}

// winston File's rotation (maxsize), or winston-daily-rotate-file's (datePattern, maxFiles "14d").
function winstonRotation(
  where: string,
  given: Record<string, unknown>,
  writer: Record<string, unknown>,
): void {
  const maxFiles = given.maxFiles as number | string | undefined;
  if (given.zippedArchive === true) writer.compress = true;
  if (given.maxsize !== undefined) {
    writer.maxBytes = given.maxsize;
    writer.rotationNaming = given.tailable === true ? 'winston-tailable' : 'winston';
  } else if (
    given.datePattern === undefined &&
    (maxFiles !== undefined || given.zippedArchive === true)
  ) {
    throw new FaninOptionError(
      'maxsize',
      `${where}: "maxFiles" and "zippedArchive" need "maxsize" or "datePattern"`,
    );
  }
  if (typeof maxFiles === 'string') {
    if (given.datePattern === undefined) {
      throw new FaninOptionError(
        'maxFiles',
        `${where}: an age in "maxFiles" (${maxFiles}) needs "datePattern"`,
      );
    }
    writer.maxAgeMs = Number.parseInt(maxFiles, 10) * 86_400_000;
  } else if (maxFiles !== undefined) {
    // winston's maxFiles counts the active file too; fanin's backups do not.
    writer.backups = maxFiles - 1;
  }
}

const LOG4JS_ONLY = [
  'type',
  'layout',
  'flags',
  'encoding',
  'removeColor',
  'timezoneOffset',
  'eol',
  'maxLogSize',
  'pattern',
  'alwaysIncludePattern',
  'numBackups',
  'daysToKeep',
];

/**
 * Maps a log4js `file` appender config onto writer options. `mode` defaults to 0o600 as
 * log4js's file appender does ("security default").
 */
export function fromLog4jsConfig(config: Record<string, unknown>): {
  writer: FileWriterOptions;
  extras: Log4jsExtras;
} {
  const writer: Record<string, unknown> = { mode: 0o600 };
  for (const [k, v] of Object.entries(config)) if (!LOG4JS_ONLY.includes(k)) writer[k] = v;
  // log4js's file appender rotates only when maxLogSize is set, keeping 5 backups unless told
  // otherwise; its dateFile appender rotates on `pattern`, keeping numBackups (default 1).
  if (config.pattern !== undefined) {
    writer.datePattern = config.pattern;
    writer.dateInName = config.alwaysIncludePattern === true;
    writer.backups = config.numBackups ?? config.daysToKeep ?? 1;
    delete writer.maxLogSize;
  } else if (config.maxLogSize !== undefined && config.maxLogSize !== 0) {
    writer.maxBytes = config.maxLogSize;
    writer.backups = config.backups ?? 5;
    writer.rotationNaming = 'log4js';
  } else {
    for (const k of ['backups', 'compress', 'keepFileExt', 'fileNameSep']) delete writer[k];
  }
  if (config.pattern !== undefined && config.maxLogSize !== undefined) {
    throw new FaninOptionError(
      'pattern',
      'log4js appender: rotate by size ("maxLogSize") or by time ("pattern"), not both',
    );
  }
  return {
    writer: writer as FileWriterOptions,
    extras: {
      eol: (config.eol as string | undefined) ?? os.EOL,
      removeColor: config.removeColor === true,
      timezoneOffset: config.timezoneOffset as number | undefined,
      layout: config.layout as Log4jsExtras['layout'],
    },
  };
}
