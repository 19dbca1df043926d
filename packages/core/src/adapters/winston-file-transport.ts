import * as path from 'node:path';
import type { FileEventListener } from '../contract/file-events.js';
import { WinstonEventRelay, type WinstonEventStyle, winstonEventStyle } from './winston-events.js';
import { queryLog, type WinstonQueryOptions } from './winston-query.js';
import { type LogStream, tailLog } from './winston-tail.js';
import { FaninTransport, type TransportSpec } from './winston-transport.js';

type QueryCallback = (err: Error | null, results?: Record<string, unknown>[]) => void;

/**
 * The winston transport of a file writer: {@link FaninTransport} plus what winston File and
 * winston-daily-rotate-file offer on top of logging:
 * - their events, from the writer's file events (`onFileEvent`): a config in
 *   winston-daily-rotate-file's style (`datePattern`, or `%DATE%` in `filename`) emits
 *   `'new'`, `'rotate'`, `'archive'`, `'logRemoved'`; any other winston File's `'open'`,
 *   `'rotate'`, `'fileclosed'` (see winston-events.ts for the arguments). Each is emitted by the
 *   process (or, for async-queue, on behalf of the thread) that did it: with cross-process
 *   rotation the one that rotated emits `'rotate'`, the others `'open'`/`'new'` when they follow;
 * - `query(options, callback)` over every file of the log (active, rotated, `.gz`), and
 *   `stream(options)` following the active file (see winston-query.ts, winston-tail.ts);
 * - `name` defaults to winston's (`'file'`, or `'dailyRotateFile'`), the key of
 *   `logger.query()`'s results.
 *
 * @example
 * class MyFileTransport extends FaninFileTransport { constructor(o) { super(o, { name: 'MyFileTransport', createWriter }); } }
 */
export class FaninFileTransport extends FaninTransport {
  /** Whose events this transport emits (winston File's, or winston-daily-rotate-file's). */
  readonly eventStyle: WinstonEventStyle;
  /** winston's transport name, the key of `logger.query()`'s results. */
  name: string;
  readonly #filename: string | undefined;
  readonly #active: { file: string | undefined };

  constructor(given: object = {}, spec: TransportSpec) {
    // A package's options type, read here as the record winston passes around.
    const options = given as Record<string, unknown>;
    const style = winstonEventStyle(options);
    const filename = filenameOf(options);
    const active = { file: filename?.includes('%DATE%') ? undefined : filename };
    const user = options.onFileEvent as FileEventListener | undefined;
    const relay = new WinstonEventRelay(style, (e) => {
      if (e.type === 'open' || e.type === 'new') active.file = path.resolve(e.filename);
      user?.(e);
    });
    super(options, {
      ...spec,
      createWriter: (o, where) => spec.createWriter({ ...o, onFileEvent: relay.listener }, where),
    });
    relay.attach(this);
    this.eventStyle = style;
    this.#filename = filename;
    this.#active = active;
    this.name =
      typeof options.name === 'string'
        ? options.name
        : style === 'file'
          ? 'file'
          : 'dailyRotateFile';
  }

  /**
   * winston's `query()`: the records of every file of the log, per winston File's options
   * (`from`, `until`, `limit`/`rows`, `start`, `order`, `fields`, `level`; defaults: the last
   * 24 hours, 10 records, newest first). Records are read as JSON lines (winston's `json` format).
   */
  query(options: WinstonQueryOptions | QueryCallback, callback?: QueryCallback): void {
    const cb = typeof options === 'function' ? options : callback;
    const o = typeof options === 'function' ? {} : (options ?? {});
    if (this.#filename === undefined) {
      cb?.(null, []);
      return;
    }
    queryLog(this.#filename, o).then(
      (results) => cb?.(null, results),
      (err: Error) => cb?.(err),
    );
  }

  /**
   * winston's `stream()`: `'log'` for each record of the active file (all, or those after row
   * `start`) and for each one written after, following rotations; `destroy()` ends it.
   */
  stream(options: { start?: number } = {}): LogStream {
    return tailLog(() => this.#active.file ?? '', options);
  }
}

// The log's path as winston joins it (`dirname` + `filename`), absolute.
function filenameOf(options: Record<string, unknown>): string | undefined {
  const { filename, dirname } = options;
  if (typeof filename !== 'string' || filename === '') return undefined;
  return path.resolve(typeof dirname === 'string' ? dirname : '', filename);
}
