import { createRequire } from 'node:module';
import * as path from 'node:path';
import {
  createFileWriter,
  type FaninError,
  FaninOptionError,
  type FileWriterOptions,
  type Writer,
} from '@fanin/core';
import { ROTATION_OPTION_NAMES, warnOnce } from '@fanin/core/internal';

const load = createRequire(import.meta.url);

/** What the IPC writer hands a destination factory when it needs a writer. */
export interface IpcDestinationContext {
  /** The name of the call that made the IPC writer, for messages. */
  where: string;
  /** The IPC writer's error path (its `onError`, once per outage). */
  onError: (err: FaninError) => void;
}

/**
 * Makes the writer that records go to instead of a file: in the writer process (every peer's
 * records and its own), and in any other process that must write for itself (at exit with no
 * answer, a full buffer, no writer). The writer it returns must not register an exit hook of its
 * own: the IPC writer's exit hook calls its `flushSync()`. `key` names the destination for
 * worker threads and pm2 (the same key in every process = the same destination).
 */
export type IpcDestinationFactory = ((context: IpcDestinationContext) => Writer) & {
  readonly key?: string;
};

/**
 * A destination as plain data (a log4js JSON config can hold it): the package named by `type`
 * is loaded with `require` and its `ipcDestination(options, where)` makes the factory (checking
 * the options at once). Every other key is an option of that package's writer.
 *
 * @example
 * { type: '@fanin/syslog', target: 'relp://logs.example.com:2514', appName: 'api' }
 */
export interface IpcDestinationSpec {
  type: string;
  [option: string]: unknown;
}

/** Either form of the `destination` option. */
export type IpcDestination = IpcDestinationFactory | IpcDestinationSpec;

/** A file writer with `files` options, or (with a destination) one of the destination's writers. */
export function writerFor(
  files: FileWriterOptions,
  destination: IpcDestinationFactory | undefined,
  where: string,
): Writer {
  if (!destination) return createFileWriter(files, where);
  return destination({ where, onError: files.onError ?? warnOnce });
}

/** The `destination` option's rule: a factory, or `{ type: '<package>', ...options }`. */
export const destinationRule = {
  kind: 'custom',
  expected: "a function or { type: '<package>', ...options } (e.g. type '@fanin/syslog')",
  check: (v: unknown) =>
    typeof v === 'function' ||
    (typeof v === 'object' &&
      v !== null &&
      typeof (v as { type?: unknown }).type === 'string' &&
      (v as { type: string }).type.length > 0),
} as const;

// Options that only mean something for a file: given beside a destination they would be
// silently unused, so they are refused (the destination's own options go inside it). Not `mode`
// (log4js's file appender defaults it, so every log4js config has one) nor `onFileEvent` (the
// winston transport's own listener).
const FILE_ONLY = [
  ...['filename', 'fd', 'mkdir', 'lazy', 'reopenCheckMs', 'chunkBytes', 'eagainTimeoutMs'],
  ...ROTATION_OPTION_NAMES,
];

/**
 * The factory of `options.destination`, once no file option stands beside it (each is refused
 * with `ERR_FANIN_OPTION` naming it).
 */
export function destinationOf(
  options: Record<string, unknown>,
  where: string,
): IpcDestinationFactory {
  const clash = FILE_ONLY.find((k) => options[k] !== undefined);
  if (clash) {
    throw new FaninOptionError(
      clash,
      `${where}: option "${clash}" is for a file, and records go to "destination" instead; give one or the other`,
    );
  }
  return resolveDestination(options.destination as IpcDestination, where);
}

type Maker = (options: Record<string, unknown>, where: string) => IpcDestinationFactory;

/**
 * The factory of `destination`, its options checked now (a bad one throws `ERR_FANIN_OPTION`
 * naming it, in every process — not only in the one that becomes the writer).
 */
export function resolveDestination(d: IpcDestination, where: string): IpcDestinationFactory {
  if (typeof d === 'function') return d;
  const { type, ...options } = d;
  const made = makerOf(type, where)(options, `${where}: destination ${type}`);
  if (typeof made !== 'function') {
    throw new FaninOptionError(
      'destination',
      `${where}: ${type}'s ipcDestination() made no factory`,
    );
  }
  return made;
}

// The package is an optional peer: looked up beside this one first, then from the app's working
// directory (where log4js too looks for an appender `type` it cannot require itself).
function makerOf(type: string, where: string): Maker {
  let mod: { ipcDestination?: unknown } | undefined;
  for (const from of [load, createRequire(path.join(process.cwd(), 'noop.js'))]) {
    try {
      mod = from(type) as { ipcDestination?: unknown };
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw err;
    }
  }
  if (!mod) {
    throw new FaninOptionError(
      'destination',
      `${where}: option "destination" names the package ${type}, which is not installed (npm install ${type})`,
    );
  }
  if (typeof mod.ipcDestination !== 'function') {
    throw new FaninOptionError(
      'destination',
      `${where}: option "destination": the package ${type} exports no ipcDestination(); it cannot be an IPC destination`,
    );
  }
  return mod.ipcDestination as Maker;
}
