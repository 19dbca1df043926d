import * as os from 'node:os';
import { type OptionWarn, warnOptionOnce } from '../../contract/options.js';
import type { MappedWriterOptions, SourceOption, SourceSpec } from './source-spec.js';
import { honoured, ignoredHere, shared } from './source-spec.js';
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
    filename: honoured(
      { kind: 'string' },
      'filename',
      'the log file; its base name is joined to dirname',
      { default: "'winston.log' in dirname" },
    ),
    dirname: honoured({ kind: 'string' }, 'filename', 'directory of the log file', {
      default: "filename's directory",
    }),
    maxsize: honoured(
      { kind: 'size' },
      "maxBytes, rotationNaming 'winston'",
      'rotate before a write would pass this many bytes (winston: once reached; fanin also reads "10M")',
    ),
    maxFiles: honoured(
      { kind: 'int', min: 1 },
      'backups = maxFiles - 1',
      'files kept, the active one counted; without maxsize ignored (warned), as winston does',
    ),
    tailable: honoured(
      { kind: 'boolean' },
      "rotationNaming 'winston-tailable'",
      'the active file keeps its name, backups shift (app1.log newest)',
      { default: 'false' },
    ),
    zippedArchive: honoured(
      { kind: 'boolean' },
      'compress',
      'gzip rotated files; without maxsize ignored (warned)',
      { default: 'false' },
    ),
    lazy: honoured({ kind: 'boolean' }, 'lazy', 'open the file at the first write', {
      default: 'false',
    }),
    eol: honoured({ kind: 'string' }, 'appended to each record', 'line ending', {
      default: 'os.EOL',
    }),
    options: honoured(
      { kind: 'object' },
      'options.mode → mode',
      'write stream options: flags only "a", encoding only UTF-8, mode honoured',
      { default: "{ flags: 'a' }" },
    ),
    stream: shared.stream,
    rotationFormat: {
      status: 'refused',
      why: 'winston itself notes it breaks maxFiles (the files to delete are never known); fanin names rotated files as winston does without it',
      doc: 'a function naming rotated files',
    },
    level: honoured({ kind: 'string' }, 'winston-transport', 'minimum level'),
    format: honoured({ kind: 'object' }, 'winston-transport', 'the transport format'),
    silent: honoured({ kind: 'boolean' }, 'winston-transport', 'drop every record'),
    handleExceptions: honoured({ kind: 'boolean' }, 'winston-transport', 'log uncaught exceptions'),
    handleRejections: honoured(
      { kind: 'boolean' },
      'winston-transport',
      'log unhandled rejections',
    ),
    name: honoured({ kind: 'string' }, 'transport name', 'transport name', { default: "'file'" }),
    highWaterMark: honoured(
      { kind: 'int', min: 1 },
      'winston-transport',
      'stream buffer of the transport',
    ),
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
