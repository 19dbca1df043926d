import type { FileEvent, FileEventListener } from '../contract/file-events.js';

/**
 * Which transport's events a fanin winston transport emits: winston's `File`
 * (`'open'`, `'rotate'`, `'fileclosed'`) or winston-daily-rotate-file's (`'new'`, `'rotate'`,
 * `'archive'`, `'logRemoved'`).
 */
export type WinstonEventStyle = 'file' | 'daily-rotate';

/**
 * A config in winston-daily-rotate-file's style (a `datePattern`, or `%DATE%` in the filename)
 * gets that transport's events; any other gets winston File's.
 */
export function winstonEventStyle(options: Record<string, unknown>): WinstonEventStyle {
  const name = options.filename;
  const drf =
    options.datePattern !== undefined || (typeof name === 'string' && name.includes('%DATE%'));
  return drf ? 'daily-rotate' : 'file';
}

type Emitted = [event: string, ...args: unknown[]];

/**
 * A core {@link FileEvent} as the original transport reports the same thing, or undefined when
 * it reports nothing for it. The arguments are the originals':
 * - winston File (lib/winston/transports/file.js): `'open'` with the full path when a file is
 *   opened (its first, and each new one after a rotation), `'fileclosed'` with no argument when
 *   a lazy transport closes its file. It emits no `'rotate'` of its own; fanin adds
 *   `'rotate'(from, to)` so that the process that rotated can be told from those that follow.
 * - winston-daily-rotate-file (daily-rotate-file.js): `'new'(filename)` for each file it starts
 *   writing (the first included), `'rotate'(oldFilename, newFilename)`, `'archive'(gzName)`
 *   once a rotated file is compressed, `'logRemoved'(filename)` when retention deletes one.
 */
export function winstonEventOf(style: WinstonEventStyle, e: FileEvent): Emitted | undefined {
  switch (e.type) {
    case 'open':
    case 'new':
      return style === 'file' ? ['open', e.filename] : ['new', e.filename];
    case 'rotate':
      return ['rotate', e.from, e.to];
    case 'archive':
      return style === 'daily-rotate' ? ['archive', e.filename] : undefined;
    case 'removed':
      return style === 'daily-rotate' ? ['logRemoved', e.filename] : undefined;
    case 'closed':
      return style === 'file' ? ['fileclosed'] : undefined;
  }
}

/**
 * Turns the writer's file events into the transport's winston events. The writer may report
 * one while the transport is still being constructed (its first `open`), and winston's own
 * transports emit theirs asynchronously (after `fs.open`), so every event is emitted on the next
 * tick: a listener attached right after `new Transport(...)` hears the first `'open'`/`'new'`.
 */
export class WinstonEventRelay {
  readonly #style: WinstonEventStyle;
  readonly #user: FileEventListener | undefined;
  #target: { emit(event: string, ...args: unknown[]): boolean } | undefined;
  #pending: Emitted[] = [];

  constructor(style: WinstonEventStyle, user?: FileEventListener) {
    this.#style = style;
    this.#user = user;
  }

  /** The listener to give the writer as `onFileEvent`. */
  readonly listener: FileEventListener = (e) => {
    this.#user?.(e);
    const emitted = winstonEventOf(this.#style, e);
    if (emitted === undefined) return;
    if (this.#pending.push(emitted) === 1) process.nextTick(this.#flush);
  };

  /** Where the events go from now on (the transport, once constructed). */
  attach(target: { emit(event: string, ...args: unknown[]): boolean }): void {
    this.#target = target;
  }

  readonly #flush = (): void => {
    const events = this.#pending;
    this.#pending = [];
    // Unattached only when the transport's constructor threw (it runs synchronously): no one
    // can listen.
    for (const [event, ...args] of events) this.#target?.emit(event, ...args);
  };
}
