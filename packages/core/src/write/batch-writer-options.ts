import type { AccountOptions } from '../account/writer-account.js';
import type { WhenFull } from '../contract/writer.js';

/** Options of the batching writer every file transport is built on. */
export interface BatchWriterOptions extends AccountOptions {
  /**
   * Records queued in one event-loop turn are coalesced into one `write(2)` of whole records, up
   * to about this many bytes (a larger record is written alone, whole).
   * @default 65536
   */
  batchBytes?: number;
  /**
   * Bound on queued bytes (they pile up only while the target fails). One record larger than
   * the whole buffer (up to `maxRecordBytes`) is still taken when the buffer holds no other such
   * record: it is written whole, so memory is bounded by this plus `maxRecordBytes`.
   * @default 8388608
   */
  maxBufferBytes?: number;
  /** Larger records are dropped as `oversize` and reported. @default 67108864 */
  maxRecordBytes?: number;
  /**
   * When the buffer is full: `'drop'` the record, or `'block'`/`{ blockMs }`: write now,
   * synchronously, ignoring the back-off. @default 'drop'
   */
  whenFull?: WhenFull;
  /** First back-off after a failed write. @default 100 */
  retryMinMs?: number;
  /** Back-off doubles up to this. @default 5000 */
  retryMaxMs?: number;
  /**
   * Write queued records this long after the first of them instead of at the end of the
   * event-loop turn (a full batch is still written at once). Fewer, larger writes — and, for the
   * locked writer, fewer lock acquisitions — for a bounded delay; records still queued at
   * `process.exit` are written by the exit hook. @default 0 (end of the turn)
   */
  flushIntervalMs?: number;
  /**
   * Under load, keep writes to a regular file at least this far apart: when the last write is
   * younger than this at the end of a turn, the turn's records wait for the rest of the interval
   * and go with the next turns' (a full batch is still written at once). After a quiet spell a
   * turn is written at its end, as with 0. Fewer, larger writes (a 10 KB `write(2)` costs about
   * 3 times a 64 KiB one per byte here) for a delay of at most this long; records still queued
   * at `process.exit` are written by the exit hook. Pipes are written at the end of each turn
   * (their writes are at most PIPE_BUF anyway). Ignored when `flushIntervalMs` is set.
   * @default 1 (0: every turn at its end)
   */
  minWriteIntervalMs?: number;
  /** Flush synchronously on `process.exit`. @default true */
  exitHook?: boolean;
}

/** The options the batch writer keeps, defaults applied. */
export type BatchSettings = Required<
  Omit<
    BatchWriterOptions,
    'onError' | 'formatNotice' | 'exitHook' | 'noticeIntervalMs' | 'reportIntervalMs'
  >
>;

/** `options` with the defaults of {@link BatchWriterOptions}. */
export function batchSettings(options: BatchWriterOptions): BatchSettings {
  return {
    batchBytes: options.batchBytes ?? 65536,
    maxBufferBytes: options.maxBufferBytes ?? 8 * 1024 * 1024,
    maxRecordBytes: options.maxRecordBytes ?? 64 * 1024 * 1024,
    whenFull: options.whenFull ?? 'drop',
    retryMinMs: options.retryMinMs ?? 100,
    retryMaxMs: options.retryMaxMs ?? 5000,
    flushIntervalMs: options.flushIntervalMs ?? 0,
    minWriteIntervalMs: options.minWriteIntervalMs ?? 1,
  };
}

/**
 * A record's size as `maxRecordBytes` (`limit`) judges it: its bytes, except that a string
 * that cannot be over the limit (UTF-8 takes at most 3 bytes a UTF-16 unit) is not measured
 * and its length stands in.
 */
export function recordSize(record: string | Uint8Array, limit: number): number {
  if (typeof record !== 'string') return record.byteLength;
  return record.length * 3 > limit ? Buffer.byteLength(record) : record.length;
}

/** {@link recordSize}, or -1 when `record` is neither a string nor bytes. */
export function sizeOf(record: unknown, limit: number): number {
  if (typeof record === 'string' || record instanceof Uint8Array) return recordSize(record, limit);
  return -1;
}
