import type { WriterStats } from '../account/stats.js';

/** What a `flush` or `close` achieved by its deadline. */
export interface FlushOutcome {
  /** Records written while the call ran. */
  written: number;
  /** Records still unwritten at the deadline (for `close`, now dropped as `close-timeout`). */
  abandoned: number;
  /** True when the deadline passed before everything was written. */
  timedOut: boolean;
}

/** Deadline of a `flush` or `close`. */
export interface DeadlineOptions {
  /** Give up after this long and report what was abandoned. @default Infinity for flush, 10000 for close */
  timeoutMs?: number;
}

/**
 * What to do with a record when the writer's bounded buffer is full: `'drop'` it (counted),
 * `'block'` the caller until there is room, or block at most `blockMs` and then drop.
 */
export type WhenFull = 'drop' | 'block' | { blockMs: number };

/**
 * The writer interface every fanin transport implements; frameworks are adapters around it.
 * `write` never throws: a record that cannot be written is counted in `stats().dropped` and
 * reported through `onError`.
 */
export interface Writer {
  /**
   * Queues one whole record (it should end with its line terminator). Returns `false` when the
   * record was dropped. `level` is used for per-level policies and drop counts.
   */
  write(record: string | Uint8Array, level?: string): boolean;
  /** Resolves when everything written so far is on the target, or at the deadline. */
  flush(options?: DeadlineOptions): Promise<FlushOutcome>;
  /** Writes everything queued before returning; safe in a `process.on('exit')` handler. */
  flushSync(): FlushOutcome;
  /** Flushes (to the deadline), then releases the target. Later writes are dropped as `closed`. */
  close(options?: DeadlineOptions): Promise<FlushOutcome>;
  stats(): WriterStats;
  /**
   * Calls `callback` once every record queued so far is written (or dropped), without forcing
   * a write now: how adapters emit winston's `'logged'` without giving up batching.
   */
  onWritten(callback: () => void): void;
  /**
   * Counts records lost before they reached the writer (a framework adapter's, a queue's) and
   * notes them in the log. With `why` the writer also reports them (once per episode); without
   * it the caller has reported them itself.
   */
  noteDropped(reason: string, records: number, level?: string, why?: string): void;
}

/** The report behind the loss notice a writer appends to the log after losing records. */
export interface LossNotice {
  lost: number;
  byReason: Record<string, number>;
  byLevel: Record<string, number>;
  /** When the first of these losses happened. */
  since: Date;
  pid: number;
}
