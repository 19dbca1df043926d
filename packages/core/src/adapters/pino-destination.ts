import { EventEmitter } from 'node:events';
import { FaninError } from '../contract/errors.js';
import type { Writer } from '../contract/writer.js';
import type { SignalAware } from '../exit/signal-flush.js';

/** Options of {@link createPinoDestination}. */
export interface PinoDestinationOptions {
  /**
   * Write each chunk before `write()` returns (thread-stream counts a chunk as consumed when
   * `write()` returns), for a target whose process may end without pino's exit handler.
   * @default false
   */
  sync?: boolean;
}

/**
 * A fanin writer as a pino destination, with the part of sonic-boom's contract pino and
 * thread-stream rely on: `write(chunk)` returning a boolean, `flush(cb)`, `flushSync()`,
 * `end()`, `reopen()` (logrotate's postrotate), and the events `'ready'`, `'finish'`,
 * `'close'`. A chunk may hold several records, or part of one (thread-stream hands over what
 * it has): the destination writes whole lines only, each as one record, keeping a partial
 * line until its end arrives.
 */
export class PinoDestination extends EventEmitter {
  /** The framework-free writer underneath; `stats()` lives here. */
  readonly writer: Writer;
  /** What pino looks for to take a one-argument `pino(destination)` as the stream (lib/tools.js). */
  writable = true;
  readonly #sync: boolean;
  #partial = '';
  #ending = false;

  constructor(writer: Writer, options: PinoDestinationOptions = {}) {
    super();
    this.writer = writer;
    this.#sync = options.sync === true;
    // sonic-boom says 'ready' once its descriptor is open; pino/file's target waits for it.
    // The writer has opened (or will report) its file by now.
    process.nextTick(() => this.emit('ready'));
  }

  /**
   * Writes the whole lines of `chunk` (one record each). Always `true`: a full writer applies
   * its own `whenFull` policy and counts what it drops, so there is no `'drain'` to wait for.
   */
  write(chunk: string | Uint8Array): boolean {
    if (this.#ending) {
      this.writer.noteDropped('closed', 1, undefined, 'pino wrote after end()');
      return true;
    }
    const text =
      this.#partial + (typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
    let from = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', from)) {
      this.writer.write(text.slice(from, nl + 1));
      from = nl + 1;
    }
    this.#partial = text.slice(from);
    if (this.#sync && from > 0) this.writer.flushSync();
    return true;
  }

  /** pino's `logger.flush(cb)`: calls back once everything written so far is on the target. */
  flush(callback?: (err?: Error) => void): void {
    this.writer.flush().then(
      () => callback?.(),
      (err: Error) => callback?.(err),
    );
  }

  /** Writes everything queued before returning (pino's exit path, `pino.final`). */
  flushSync(): void {
    this.writer.flushSync();
  }

  /**
   * SIGHUP after logrotate: writes what is queued, then reopens the file if its path names
   * another one. Switching to another file (sonic-boom's `reopen(file)`) is refused: every
   * process of the log writes one path.
   */
  reopen(file?: string): void {
    if (file !== undefined) {
      throw new FaninError(
        'ERR_FANIN_OPTION',
        'fanin pino destination: reopen(file) is not supported: the log has one path for every process; call reopen() after logrotate',
      );
    }
    (this.writer as Partial<SignalAware>).reopen?.();
  }

  /**
   * Ends the stream: a partial last line is written with a newline, the writer is closed,
   * then `'finish'` and `'close'` (thread-stream's worker exits on `'close'`).
   */
  end(): void {
    if (this.#ending) return;
    this.#ending = true;
    this.writable = false;
    if (this.#partial !== '') this.writer.write(`${this.#partial}\n`);
    this.#partial = '';
    this.writer.close().then(
      () => {
        this.emit('finish');
        this.emit('close');
      },
      (err: Error) => {
        this.emit('error', err);
        this.emit('close');
      },
    );
  }

  /** Same as `end()`: records already written are kept. */
  destroy(): void {
    this.end();
  }
}

/**
 * Makes a fanin writer a pino destination.
 *
 * @example
 * const logger = pino({}, createPinoDestination(createAppendFileWriter({ filename: 'app.log' })));
 */
export function createPinoDestination(
  writer: Writer,
  options?: PinoDestinationOptions,
): PinoDestination {
  return new PinoDestination(writer, options);
}

/** Options pino.transport() adds to those the user gave. */
type PinoAdded = { $context?: unknown; pinoWillSendConfig?: boolean };

/**
 * The default export of a `pino.transport({ target })` module: thread-stream calls it in its
 * worker with the transport's `options` and writes to what it returns. Batched as any writer:
 * at `process.exit` pino's exit handler (lib/transport.js `onExit`) calls thread-stream's
 * `end()`, which blocks the main thread until this destination says `'close'`, i.e. until the
 * writer has closed with every record written.
 *
 * @example
 * export default pinoTarget((options) => createAppendFileWriter(options));
 */
export function pinoTarget<O>(
  createWriter: (options: O) => Writer,
): (options: O & PinoAdded) => Promise<PinoDestination> {
  return async (options: O & PinoAdded) => {
    // What pino and thread-stream add to the user's options: `$context` (thread-stream's
    // version, thread-stream index.js) and `pinoWillSendConfig` (pino lib/transport.js: the
    // levels and keys follow as a message, which a writer of whole lines does not need).
    const { $context: _context, pinoWillSendConfig: _config, ...own } = options;
    return new PinoDestination(createWriter(own as O));
  };
}
