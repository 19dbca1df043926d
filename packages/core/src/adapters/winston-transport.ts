import TransportStream from 'winston-transport';
import { FaninError } from '../contract/errors.js';
import type { OptionSpec } from '../contract/options.js';
import type { Writer } from '../contract/writer.js';
import { setSignalPolicy } from '../exit/exit-hooks.js';
import {
  type SignalOptions,
  signalPolicyOf,
  takeSignalOptions,
  winstonSignalOptionSpec,
} from '../exit/signal-policy.js';
import { fileWriterSpec } from '../write/file-writer.js';
import { checkWinstonOptions, fromWinstonOptions } from './framework-options.js';
import type { DailyRotateFileOptions } from './options/winston-daily-rotate.js';

const MESSAGE = Symbol.for('message');
const LEVEL = Symbol.for('level');

type Info = Record<string | symbol, unknown>;
type Callback = (err?: Error | null) => void;
const noop = (): void => {};

/**
 * The options of winston's own `File` transport that every fanin transport takes as they are
 * (besides the transport's own, and winston-transport's `level`, `format`, `silent`…).
 */
export type WinstonFileOptions = TransportStream.TransportStreamOptions & {
  dirname?: string;
  eol?: string;
  maxsize?: number;
  maxFiles?: number | string;
  tailable?: boolean;
  zippedArchive?: boolean;
  lazy?: boolean;
  options?: { flags?: 'a'; mode?: number; encoding?: 'utf8' };
} & SignalOptions &
  DailyRotateFileOptions;

/** How a transport package plugs its writer into {@link FaninTransport}. */
export interface TransportSpec {
  /** The class name, used in error messages. */
  name: string;
  /** Options the package adds to the shared vocabulary. */
  options?: OptionSpec;
  createWriter(options: Record<string, unknown>, where: string): Writer;
}

/**
 * The {@link TransportSpec} of a transport class `name` whose writer factory takes the package's
 * own options type: the options reach it checked against the shared vocabulary and `options`,
 * and translated to fanin's names, so the one cast from the generic record is made here.
 *
 * @example
 * const spec = transportSpec('AppendFileTransport', createAppendFileWriter);
 * class AppendFileTransport extends FaninFileTransport { constructor(o = {}) { super(o, spec); } }
 */
export function transportSpec<O>(
  name: string,
  createWriter: (options: O, where: string) => Writer,
  options?: OptionSpec,
): TransportSpec {
  return { name, options, createWriter: (o, where) => createWriter(o as O, where) };
}

const warned = new Set<string>();

// The fanin transports piped from each logger, for the one 'error' listener counting writes
// after the logger ended (see countWritesAfterEnd).
const afterEnd = new WeakMap<NodeJS.EventEmitter, Set<FaninTransport>>();

/**
 * The one winston transport class behind every fanin transport. It honours `level`, `format`,
 * `silent`, `handleExceptions` and `handleRejections` (through winston-transport), writes
 * `info[Symbol.for('message')]` plus `eol`, applies `format` on the batched `logv` path too
 * (winston-transport skips it there, winston-transport#49), emits `'logged'` once the record is
 * written, and makes `logger.end()` / `'finish'` mean "on disk".
 *
 * Errors never reach the logging call: they go to `onError` if given, else they are emitted as
 * `'warn'` (winston forwards it to the logger) and once per reason as a process warning.
 *
 * @example
 * class MyTransport extends FaninTransport { constructor(o) { super(o, { name: 'MyTransport', createWriter }); } }
 */
export class FaninTransport extends TransportStream {
  /** The framework-free writer underneath; `stats()` lives here. */
  readonly writer: Writer;
  readonly #eol: string;
  // Infos whose 'logged' waits for the writer: one onWritten callback for all the records queued
  // before it fires instead of a closure per record. Queued whether or not anyone listens yet:
  // winston File emits 'logged' once the record is written, so a listener attached right after
  // log() hears it (issue #16, defect 2). Only records the writer accepted wait, so the queue is
  // bounded by the writer's own buffer.
  #awaitingLogged: Info[] = [];
  readonly #emitLogged = (): void => {
    const infos = this.#awaitingLogged;
    this.#awaitingLogged = [];
    for (const info of infos) this.emit('logged', info);
  };

  constructor(options: Record<string, unknown> = {}, spec: TransportSpec) {
    checkWinstonOptions(spec.name, options, {
      ...fileWriterSpec,
      ...winstonSignalOptionSpec,
      ...spec.options,
    });
    super(options as TransportStream.TransportStreamOptions);
    const { signals, rest } = takeSignalOptions(options);
    const { writer, eol } = fromWinstonOptions(spec.name, rest);
    this.#eol = eol;
    if (writer.onError === undefined) writer.onError = (err) => this.#report(err);
    this.writer = spec.createWriter(writer as Record<string, unknown>, spec.name);
    this.on('pipe', (logger: NodeJS.EventEmitter) => countWritesAfterEnd(logger, this));
    setSignalPolicy(this.writer, signalPolicyOf(signals, 'winston'));
  }

  // The callback is optional, as in winston's own transports (issue #16, defect 1).
  override log(info: Info, callback: Callback = noop): boolean {
    const message = info[MESSAGE];
    if (typeof message !== 'string') {
      this.#report(
        new FaninError(
          'ERR_FANIN_RECORD',
          `fanin: info[Symbol.for('message')] must be a string (set a winston format), got ${typeof message}`,
        ),
      );
      this.writer.noteDropped('invalid-record', 1, info[LEVEL] as string | undefined);
      callback();
      return true;
    }
    const accepted = this.writer.write(message + this.#eol, info[LEVEL] as string | undefined);
    // winston's exception and rejection handlers set `_ending` and wait for 'finish' before they
    // exit (up to 3 s); winston's File transport answers it the same way, once written.
    if ((this as { _ending?: boolean })._ending) this.writer.onWritten(() => this.emit('finish'));
    if (accepted && this.#awaitingLogged.push(info) === 1) this.writer.onWritten(this.#emitLogged);
    callback();
    return true;
  }

  override logv(infos: { chunk: Info }[], callback: Callback): void {
    for (const { chunk } of infos) {
      const copy = { ...chunk } as Parameters<NonNullable<typeof this.format>['transform']>[0];
      const info = this.format ? this.format.transform(copy, this.format.options) : chunk;
      if (info) this.log(info as Info);
    }
    callback();
  }

  override _final(callback: Callback): void {
    this.writer.close().then(
      () => callback(),
      (err: Error) => callback(err),
    );
  }

  /**
   * Called by winston when the transport is removed or the logger closes. As winston File's
   * close(cb): `cb` once everything logged is written, then `'flush'` and `'closed'`.
   */
  override close(cb?: () => void): void {
    const done = () => {
      cb?.();
      this.emit('flush');
      this.emit('closed');
    };
    this.writer.close().then(done, done);
  }

  #report(err: FaninError): void {
    this.emit('warn', err);
    if (warned.has(err.message)) return;
    warned.add(err.message);
    process.emitWarning(err.message, { code: err.code });
  }
}

/**
 * A log call after `logger.end()` never reaches a transport: the logger (a stream) raises
 * ERR_STREAM_WRITE_AFTER_END itself, by throwing it to the caller when nobody listens for its
 * 'error'. Each fanin transport piped from the logger counts it in its writer's stats as
 * `closed` (noted in the log at exit). One listener per logger; when it is the logger's only
 * one, it throws the error on, so the caller sees what it saw without fanin.
 */
function countWritesAfterEnd(logger: NodeJS.EventEmitter, transport: FaninTransport): void {
  const known = afterEnd.get(logger);
  if (known) {
    known.add(transport);
    return;
  }
  const transports = new Set([transport]);
  afterEnd.set(logger, transports);
  const listener = (err: Error & { code?: string }) => {
    if (err?.code === 'ERR_STREAM_WRITE_AFTER_END') {
      for (const t of transports) t.writer.noteDropped('closed', 1);
    }
    // Alone, this listener must not swallow what an unheard 'error' would have thrown.
    if (logger.listenerCount('error') === 1) throw err;
  };
  logger.prependListener('error', listener);
}
