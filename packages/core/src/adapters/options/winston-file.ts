import * as os from 'node:os';
import { type OptionWarn, warnOptionOnce } from '../../contract/options.js';
import {
  ignoredHere,
  type MappedWriterOptions,
  type SourceOption,
  type SourceSpec,
  shared,
} from './source-spec.js';
import { fromStreamOptions, nonEmptyFilename, passThrough, winstonPath } from './stream-options.js';

// winston 2's File options, which winston 3 no longer reads (formats replaced them).
const WINSTON2 = ['timestamp', 'json', 'colorize', 'prettyPrint', 'showLevel', 'label'];
const winston2 = Object.fromEntries(
  WINSTON2.map((k) => [
    k,
    {
      status: 'ignored',
      why: 'a winston 2 option that winston 3 ignores; use a winston format instead',
      doc: 'winston 2 formatting option',
    } as const,
  ]),
);

/** winston 3's `File` transport (lib/winston/transports/file.js), option by option. */
export const winstonFileSource: SourceSpec = {
  id: 'winston-file',
  title: 'winston File (winston 3.x)',
  selectedBy: 'a winston config without any winston-daily-rotate-file marker, or `like: "File"`',
  options: winstonFileOptions(),
};

/** The entries of winston File's options (winston-daily-rotate-file shares most of them). */
export function winstonFileOptions() {
  return {
    filename: {
      status: 'honoured',
      rule: { kind: 'string' },
      maps: 'filename',
      default: "'winston.log' in dirname",
      doc: 'the log file; its base name is joined to dirname',
    },
    dirname: {
      status: 'honoured',
      rule: { kind: 'string' },
      maps: 'filename',
      default: "filename's directory",
      doc: 'directory of the log file',
    },
    maxsize: {
      status: 'honoured',
      rule: { kind: 'size' },
      maps: "maxBytes, rotationNaming 'winston'",
      doc: 'rotate before a write would pass this many bytes (winston: once reached; fanin also reads "10M")',
    },
    maxFiles: {
      status: 'honoured',
      rule: { kind: 'int', min: 1 },
      maps: 'backups = maxFiles - 1',
      doc: 'files kept, the active one counted; without maxsize ignored (warned), as winston does',
    },
    tailable: {
      status: 'honoured',
      rule: { kind: 'boolean' },
      maps: "rotationNaming 'winston-tailable'",
      default: 'false',
      doc: 'the active file keeps its name, backups shift (app1.log newest)',
    },
    zippedArchive: {
      status: 'honoured',
      rule: { kind: 'boolean' },
      maps: 'compress',
      default: 'false',
      doc: 'gzip rotated files; without maxsize ignored (warned)',
    },
    lazy: {
      status: 'honoured',
      rule: { kind: 'boolean' },
      maps: 'lazy',
      default: 'false',
      doc: 'open the file at the first write',
    },
    eol: {
      status: 'honoured',
      rule: { kind: 'string' },
      maps: 'appended to each record',
      default: 'os.EOL',
      doc: 'line ending',
    },
    options: {
      status: 'honoured',
      rule: { kind: 'object' },
      maps: 'options.mode → mode',
      default: "{ flags: 'a' }",
      doc: 'write stream options: flags only "a", encoding only UTF-8, mode honoured',
    },
    stream: shared.stream,
    rotationFormat: {
      status: 'refused',
      why: 'winston itself notes it breaks maxFiles (the files to delete are never known); fanin names rotated files as winston does without it',
      doc: 'a function naming rotated files',
    },
    level: {
      status: 'honoured',
      rule: { kind: 'string' },
      maps: 'winston-transport',
      doc: 'minimum level',
    },
    format: {
      status: 'honoured',
      rule: { kind: 'object' },
      maps: 'winston-transport',
      doc: 'the transport format',
    },
    silent: {
      status: 'honoured',
      rule: { kind: 'boolean' },
      maps: 'winston-transport',
      doc: 'drop every record',
    },
    handleExceptions: {
      status: 'honoured',
      rule: { kind: 'boolean' },
      maps: 'winston-transport',
      doc: 'log uncaught exceptions',
    },
    handleRejections: {
      status: 'honoured',
      rule: { kind: 'boolean' },
      maps: 'winston-transport',
      doc: 'log unhandled rejections',
    },
    name: {
      status: 'honoured',
      rule: { kind: 'string' },
      maps: 'transport name',
      default: "'file'",
      doc: 'transport name',
    },
    highWaterMark: {
      status: 'honoured',
      rule: { kind: 'int', min: 1 },
      maps: 'winston-transport',
      doc: 'stream buffer of the transport',
    },
    ...winston2,
  } as const satisfies Record<string, SourceOption>;
}

/** Writer options and the line ending of a winston File config. */
export interface WinstonMapped {
  writer: MappedWriterOptions;
  eol: string;
}

/**
 * Maps a winston `File` config (already checked) onto writer options, as winston reads it:
 * `dirname` joins the base name of `filename`; rotation options are read only beside `maxsize`
 * and are otherwise accepted with one warning, because winston accepts and ignores them.
 *
 * @example
 * fromWinstonFile('T', { filename: 'app.log', maxsize: 1000, maxFiles: 3 }).writer;
 * // { filename: 'app.log', maxBytes: 1000, rotationNaming: 'winston', backups: 2 }
 */
export function fromWinstonFile(
  where: string,
  given: Record<string, unknown>,
  warn: OptionWarn = warnOptionOnce,
): WinstonMapped {
  const writer = passThrough(given, winstonFileSource, ['like']);
  nonEmptyFilename(where, given.filename);
  if (given.filename !== undefined || given.dirname !== undefined) {
    writer.filename = winstonPath(given, 'winston.log');
  }
  if (given.lazy !== undefined) writer.lazy = given.lazy;
  Object.assign(writer, fromStreamOptions(where, given.options));
  if (given.maxsize !== undefined) {
    writer.maxBytes = given.maxsize;
    writer.rotationNaming = given.tailable === true ? 'winston-tailable' : 'winston';
    // winston's maxFiles counts the active file too; fanin's backups do not.
    if (given.maxFiles !== undefined) writer.backups = (given.maxFiles as number) - 1;
    if (given.zippedArchive === true) writer.compress = true;
  } else {
    for (const k of ['maxFiles', 'tailable', 'zippedArchive']) {
      if (given[k] !== undefined && given[k] !== false) {
        ignoredHere(
          where,
          warn,
          k,
          'winston File reads it only beside "maxsize"; set maxsize to rotate',
        );
      }
    }
  }
  return {
    writer: writer as MappedWriterOptions,
    eol: (given.eol as string | undefined) ?? os.EOL,
  };
}
