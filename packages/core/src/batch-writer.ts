import { BatchJoiner, writeChunked, writeFramed } from './batch-encoding.js';
import { blockFor } from './block-for.js';
import { errnoCode, type FaninError, FaninWriteError, warnOnce } from './errors.js';
import { registerExitFlush } from './exit-hooks.js';
import type { FileTarget, Sink } from './file-target.js';
import { defaultNotice, LossLedger } from './loss-ledger.js';
import { StatsCounter, type WriterStats } from './stats.js';
import type { DeadlineOptions, FlushOutcome, LossNotice, WhenFull, Writer } from './writer.js';

/** Options of the batching writer every file transport is built on. */
export interface BatchWriterOptions {
  /**
   * Records queued in one event-loop turn are coalesced into one `write(2)` of whole records, up
   * to about this many bytes (a larger record is written alone, whole).
   * @default 65536
   */
  batchBytes?: number;
  /** Bound on queued bytes (they pile up only while the target fails). @default 8388608 */
  maxBufferBytes?: number;
  /** Larger records are dropped as `oversize` and reported. @default 67108864 */
  maxRecordBytes?: number;
  /**
   * When the buffer is full: `'drop'` the record, or `'block'`/`{ blockMs }`: write now,
   * synchronously, ignoring the back-off. @default 'drop'
   */
  whenFull?: WhenFull;
  /** Errors (rate-limited: once per reason until a write succeeds again). */
  onError?: (err: FaninError) => void;
  /** First back-off after a failed write. @default 100 */
  retryMinMs?: number;
  /** Back-off doubles up to this. @default 5000 */
  retryMaxMs?: number;
  /** At most one loss notice record per this interval while losses continue. @default 5000 */
  noticeIntervalMs?: number;
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
  /** Formats the loss notice appended to the log; `null` to write none. @default a JSON line */
  formatNotice?: ((notice: LossNotice) => string) | null;
  /** Flush synchronously on `process.exit`. @default true */
  exitHook?: boolean;
}

interface Batch {
  parts: (string | Uint8Array)[];
  /** Blocks from writeBlock (few, large, whole records each): written with one writev. */
  blocks?: boolean;
  bytes: number;
  records: number;
}

type WriteFailure = Error & { recordsDone?: number; bytesWritten?: number };

const NEWLINE = Buffer.from('\n');
const newBatch = (): Batch => ({ parts: [], bytes: 0, records: 0 });
/**
 * The shared writer loop: queue, coalesce into whole-record batches, write each batch with one
 * `write(2)` (framed chunks where the sink is a pipe), back off on failure, count and report
 * every loss, append a loss notice when writing resumes, and flush synchronously at exit.
 *
 * @example
 * const w = new BatchWriter(new FileTarget({ filename: 'app.log' }), {});
 * w.write('{"msg":"hi"}\n');
 * await w.close();
 */
export class BatchWriter implements Writer {
  readonly #sink: Sink;
  readonly #stats = new StatsCounter();
  readonly #ledger: LossLedger;
  readonly #o: Required<Omit<BatchWriterOptions, 'onError' | 'formatNotice' | 'exitHook'>>;
  readonly #onError: (err: FaninError) => void;
  readonly #reported = new Map<string, number>();
  readonly #unhook: () => void;
  readonly #joiner: BatchJoiner;
  #batches: Batch[] = [];
  #open: Batch = newBatch();
  #queuedBytes = 0;
  #queuedRecords = 0;
  #scheduled = false;
  // performance.now() of the last successful write, for minWriteIntervalMs.
  #lastWriteAt = Number.NEGATIVE_INFINITY;
  #gapFrom = 0;
  #retryAt = 0;
  #backoffMs = 0;
  #retryTimer: NodeJS.Timeout | undefined;
  #closing = false;
  #draining = false;
  // A write to a regular file failed part-way: the next write starts with a newline so the torn
  // fragment stays on a line of its own instead of gluing onto the next record.
  #torn = false;
  // Set by the signal flush (exit-hooks.ts): write each record before write() returns.
  #through = false;
  readonly #waiters: (() => void)[] = [];

  constructor(sink: Sink, options: BatchWriterOptions = {}) {
    this.#sink = sink;
    this.#o = {
      batchBytes: options.batchBytes ?? 65536,
      maxBufferBytes: options.maxBufferBytes ?? 8 * 1024 * 1024,
      maxRecordBytes: options.maxRecordBytes ?? 64 * 1024 * 1024,
      whenFull: options.whenFull ?? 'drop',
      retryMinMs: options.retryMinMs ?? 100,
      retryMaxMs: options.retryMaxMs ?? 5000,
      noticeIntervalMs: options.noticeIntervalMs ?? 5000,
      flushIntervalMs: options.flushIntervalMs ?? 0,
      minWriteIntervalMs: options.minWriteIntervalMs ?? 1,
    };
    this.#onError = options.onError ?? warnOnce;
    this.#joiner = new BatchJoiner(Math.max(3 * this.#o.batchBytes, 128 * 1024));
    this.#ledger = new LossLedger(
      options.formatNotice === undefined ? defaultNotice : options.formatNotice,
    );
    this.#unhook = options.exitHook === false ? () => {} : registerExitFlush(this);
  }

  write(record: string | Uint8Array, level?: string): boolean {
    if (this.#closing) return this.#reject('closed', level, 'the writer is closed');
    const size = sizeOf(record, this.#o.maxRecordBytes);
    if (size < 0) {
      return this.#reject(
        'invalid-record',
        level,
        `a record must be a string or Uint8Array, got ${typeof record}`,
      );
    }
    if (size > this.#o.maxRecordBytes) {
      return this.#reject(
        'oversize',
        level,
        `a record of ${size} bytes is over maxRecordBytes (${this.#o.maxRecordBytes})`,
      );
    }
    // A record larger than the whole buffer is still taken when the buffer is empty (it is
    // bounded by maxRecordBytes): otherwise it could never be written.
    const full = this.#queuedBytes > 0 && this.#queuedBytes + size > this.#o.maxBufferBytes;
    if (full && !this.#makeRoom(size)) {
      return this.#reject(
        'queue-full',
        level,
        `the buffer is full (maxBufferBytes ${this.#o.maxBufferBytes})`,
      );
    }
    // A batch never grows past batchBytes: a record that would take it over starts a new batch
    // (so a record of batchBytes or more is written alone, whole).
    if (this.#open.records > 0 && this.#open.bytes + size > this.#o.batchBytes) {
      this.#seal();
      this.#drain(false);
    }
    const open = this.#open;
    open.parts.push(record);
    open.bytes += size;
    open.records++;
    this.#queuedBytes += size;
    this.#queuedRecords++;
    if (this.#through) this.#drain(true);
    else if (open.bytes >= this.#o.batchBytes) this.#drain(false);
    else if (!this.#scheduled) this.#schedule();
    return true;
  }

  /** Signal flush: the process is about to die of a signal, so write each record at once. */
  writeThrough(): void {
    this.#through = true;
  }

  /** SIGHUP under log4js: write what is queued, then reopen if the path names another file. */
  reopen(): void {
    this.#drain(true);
    (this.#sink as Partial<FileTarget>).reopenIfMoved?.();
  }

  /**
   * Queues `records` whole records already joined into one block (each ending with its line
   * terminator), counted as `records`: how a writer thread hands over a ring's worth at once.
   * For a sink whose writes are whole at any size (a regular file); a pipe needs `write()` per
   * record so that records within PIPE_BUF stay unframed.
   */
  writeBlock(block: Uint8Array | Uint8Array[], records: number): boolean {
    if (this.#closing) return this.#reject('closed', undefined, 'the writer is closed');
    if (this.#open.records > 0) this.#seal();
    const open = this.#open;
    const blocks = Array.isArray(block) ? block : [block];
    let bytes = 0;
    for (const b of blocks) {
      open.parts.push(b);
      bytes += b.byteLength;
    }
    open.bytes += bytes;
    open.records += records;
    open.blocks = true;
    this.#queuedBytes += bytes;
    this.#queuedRecords += records;
    this.#seal();
    this.#drain(false);
    return true;
  }

  flushSync(): FlushOutcome {
    const before = this.#stats.records;
    this.#drain(true);
    return {
      written: this.#stats.records - before,
      abandoned: this.#queuedRecords,
      timedOut: false,
    };
  }

  async flush(options: DeadlineOptions = {}): Promise<FlushOutcome> {
    const before = this.#stats.records;
    const deadline = Date.now() + (options.timeoutMs ?? Number.POSITIVE_INFINITY);
    this.#drain(false);
    while (this.#queuedRecords > 0 && Date.now() < deadline) {
      await delay(Math.max(1, Math.min(this.#retryAt - Date.now(), deadline - Date.now())));
      this.#drain(false);
    }
    const abandoned = this.#queuedRecords;
    return { written: this.#stats.records - before, abandoned, timedOut: abandoned > 0 };
  }

  async close(options: DeadlineOptions = {}): Promise<FlushOutcome> {
    this.#closing = true;
    const outcome = await this.flush({ timeoutMs: options.timeoutMs ?? 10_000 });
    if (outcome.abandoned > 0) {
      this.#dropQueued('close-timeout');
      this.#report(
        'close-timeout',
        `${outcome.abandoned} records abandoned at close`,
        outcome.abandoned,
      );
    }
    // The notice is a write like any other: under the sink's lock, if it has one. One attempt
    // only (close keeps to its deadline): if the lock is busy the losses stay in stats().
    if (this.#ledger.due(true, 0) !== undefined && this.#beginQuietly()) {
      try {
        this.#writeNotice(true);
      } finally {
        this.#sink.end?.();
      }
    }
    clearTimeout(this.#retryTimer);
    this.#unhook();
    this.#sink.close();
    return outcome;
  }

  stats(): WriterStats {
    const s = this.#stats.snapshot(this.#queuedRecords, this.#queuedBytes);
    s.retries += this.#sink.counters.retries;
    s.reopenings += this.#sink.counters.reopenings;
    s.rotations += this.#sink.counters.rotations;
    const lock = this.#sink.lockStats?.();
    if (lock) s.lock = lock;
    return s;
  }

  /** The sink records go to (a {@link FileTarget} for the file transports). */
  get sink(): Sink {
    return this.#sink;
  }

  /** Counts a loss that happened outside this writer (a framework adapter, a queue). */
  noteDropped(reason: string, records: number, level?: string): void {
    this.#stats.drop(reason, records, level);
    this.#ledger.add(reason, records, level);
  }

  #schedule(): void {
    this.#scheduled = true;
    // flushIntervalMs' timer is unref'd: it never keeps a process alive (the exit hook writes).
    if (this.#o.flushIntervalMs > 0) setTimeout(this.#run, this.#o.flushIntervalMs).unref();
    else this.#afterGap();
  }

  readonly #run = (): void => {
    this.#scheduled = false;
    this.#drain(false);
  };

  // At the end of the turn, unless the last write is younger than minWriteIntervalMs: then once
  // it is that old, or as long after a write (a full batch) made while waiting. Ref'd, as
  // setImmediate is: the process stays up at most that long to write its records.
  readonly #afterGap = (): void => {
    const gap =
      this.#sink.atomicLimit === Number.POSITIVE_INFINITY ? this.#o.minWriteIntervalMs : 0;
    const wait = gap === 0 ? 0 : this.#lastWriteAt + gap - performance.now();
    if (wait <= 0) {
      setImmediate(this.#run);
      return;
    }
    this.#gapFrom = this.#lastWriteAt;
    setTimeout(this.#runAfterGap, Math.ceil(wait));
  };

  readonly #runAfterGap = (): void => {
    if (this.#lastWriteAt !== this.#gapFrom) this.#afterGap();
    else this.#run();
  };

  // The buffer fills only while the target fails (or a lock is busy). 'block' writes now,
  // synchronously, ignoring the back-off; { blockMs } keeps trying for at most that long.
  #makeRoom(size: number): boolean {
    const policy = this.#o.whenFull;
    if (policy === 'drop') return false;
    const deadline = Date.now() + (policy === 'block' ? 0 : policy.blockMs);
    for (let wait = 1; ; wait = Math.min(wait * 2, 50)) {
      this.#drain(true);
      if (this.#queuedBytes === 0 || this.#queuedBytes + size <= this.#o.maxBufferBytes)
        return true;
      if (Date.now() >= deadline) return false;
      blockFor(Math.min(wait, deadline - Date.now()));
    }
  }

  #reject(reason: string, level: string | undefined, why: string): false {
    this.noteDropped(reason, 1, level);
    this.#report(reason, `record dropped (${reason}): ${why}`, 1);
    return false;
  }

  #drain(force: boolean): void {
    if (this.#draining || this.#queuedRecords === 0) return;
    if (!force && Date.now() < this.#retryAt) {
      this.#armRetry();
      return;
    }
    let wait: number;
    try {
      wait = this.#sink.begin?.(force) ?? 0;
    } catch (err) {
      // The lock could not even be tried (its directory is unwritable, say): a failed write.
      this.#seal();
      this.#fail(this.#batches[0] as Batch, err as WriteFailure);
      return;
    }
    if (wait > 0) {
      this.#retryAt = Date.now() + wait;
      this.#armRetry();
      return;
    }
    this.#draining = true;
    try {
      this.#seal();
      if (this.#backoffMs > 0) this.#stats.retries++;
      this.#writeNotice(this.#backoffMs > 0);
      while (this.#batches.length > 0) {
        const batch = this.#batches[0] as Batch;
        if (!this.#writeOne(batch)) break;
        this.#batches.shift();
      }
    } finally {
      this.#draining = false;
      this.#sink.end?.();
    }
    if (this.#queuedRecords === 0) this.#wake();
  }

  // One attempt at the sink's lock for close(): false when it is busy or cannot be tried (the
  // losses then stay counted in stats(), not written).
  #beginQuietly(): boolean {
    try {
      return (this.#sink.begin?.(false) ?? 0) === 0;
    } catch {
      return false;
    }
  }

  /** Calls `callback` once every record queued so far is written or dropped. */
  onWritten(callback: () => void): void {
    if (this.#queuedRecords === 0) queueMicrotask(callback);
    else this.#waiters.push(callback);
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  #seal(): void {
    if (this.#open.records === 0) return;
    this.#batches.push(this.#open);
    this.#open = newBatch();
  }

  // Writes one batch; on failure drops it, starts the back-off, and returns false.
  #writeOne(batch: Batch): boolean {
    try {
      // prepare() opens a lazy target first: only then is its kind, and so its limit, known.
      this.#sink.prepare(batch.bytes);
      if (this.#sink.atomicLimit === Number.POSITIVE_INFINITY) this.#writeWhole(batch);
      else {
        writeChunked(this.#sink, batch.parts, (records, bytes, framed) => {
          this.#counted(records, bytes);
          if (framed) this.#stats.chunkedRecords++;
        });
      }
    } catch (err) {
      this.#fail(batch, err as WriteFailure);
      return false;
    }
    this.#dequeued(batch, batch.records);
    if (this.#backoffMs > 0) this.#recovered();
    return true;
  }

  #writeWhole(batch: Batch): void {
    // Blocks handed over by writeBlock go out as they are, with one writev(2): no copy.
    const parts = batch.parts;
    if (batch.blocks && parts.length > 1 && this.#sink.writeParts) {
      const blocks = parts as Uint8Array[];
      const first = blocks[0] as Uint8Array;
      blocks[0] = this.#afterTear(first);
      this.#sink.writeParts(blocks);
      this.#counted(batch.records, batch.bytes + (blocks[0].byteLength - first.byteLength));
      return;
    }
    const data = this.#afterTear(this.#joiner.join(parts));
    this.#sink.writeAll(data);
    this.#counted(batch.records, data.byteLength);
  }

  #afterTear(data: Uint8Array): Uint8Array {
    if (!this.#torn) return data;
    this.#torn = false;
    return Buffer.concat([NEWLINE, data]);
  }

  #counted(records: number, bytes: number): void {
    if (this.#o.minWriteIntervalMs > 0) this.#lastWriteAt = performance.now();
    this.#stats.records += records;
    this.#stats.bytes += bytes;
    this.#sink.written?.(bytes);
  }

  #dequeued(batch: Batch, records: number): void {
    this.#queuedRecords -= records;
    this.#queuedBytes -= batch.bytes;
  }

  #fail(batch: Batch, err: WriteFailure): void {
    const done = err.recordsDone ?? 0;
    const lost = batch.records - done;
    const reason = errnoCode(err);
    if ((err.bytesWritten ?? 0) > 0 && this.#sink.atomicLimit === Number.POSITIVE_INFINITY) {
      this.#torn = true;
    }
    this.#batches.shift();
    this.#queuedRecords -= batch.records;
    this.#queuedBytes -= batch.bytes;
    this.#stats.writeErrors++;
    this.noteDropped(reason, lost);
    this.#backoffMs = Math.min(
      Math.max(this.#backoffMs * 2, this.#o.retryMinMs),
      this.#o.retryMaxMs,
    );
    this.#retryAt = Date.now() + this.#backoffMs;
    this.#report(reason, `write failed, ${lost} record(s) dropped: ${err.message}`, lost, err);
    this.#armRetry();
  }

  #recovered(): void {
    this.#backoffMs = 0;
    this.#retryAt = 0;
    this.#reported.clear();
    this.#writeNotice(true);
  }

  #armRetry(): void {
    if (this.#retryTimer !== undefined || this.#queuedRecords === 0) return;
    this.#retryTimer = setTimeout(
      () => {
        this.#retryTimer = undefined;
        this.#drain(false);
      },
      Math.max(1, this.#retryAt - Date.now()),
    );
    this.#retryTimer.unref();
  }

  #dropQueued(reason: string): void {
    this.#seal();
    for (const b of this.#batches) this.noteDropped(reason, b.records);
    this.#batches = [];
    this.#queuedBytes = 0;
    this.#queuedRecords = 0;
    this.#wake();
  }

  // Appends the loss notice when there is one and it is due (or `now` after a recovery).
  #writeNotice(now: boolean): void {
    const text = this.#ledger.due(now, this.#o.noticeIntervalMs);
    if (text === undefined) return;
    try {
      const data = this.#afterTear(Buffer.from(text));
      this.#sink.prepare(data.byteLength);
      if (data.byteLength <= this.#sink.atomicLimit) this.#sink.writeAll(data);
      else writeFramed(this.#sink, data);
      this.#stats.bytes += data.byteLength;
      this.#ledger.written();
    } catch (err) {
      // The notice stays pending and is tried again at the next drain.
      this.#stats.writeErrors++;
      const why = `the loss notice could not be written: ${(err as Error).message}`;
      this.#report(`notice-${errnoCode(err)}`, why, 0, err);
    }
  }

  #report(reason: string, message: string, records: number, cause?: unknown): void {
    // Once per reason until a write succeeds again, and again at most every noticeIntervalMs
    // while the same loss goes on (so a steady drop is not reported once per process lifetime).
    const last = this.#reported.get(reason);
    if (last !== undefined && Date.now() - last < Math.max(this.#o.noticeIntervalMs, 1000)) return;
    this.#reported.set(reason, Date.now());
    const code =
      reason === 'closed' ? 'ERR_FANIN_CLOSED' : cause ? 'ERR_FANIN_WRITE' : 'ERR_FANIN_RECORD';
    const err = new FaninWriteError(code, reason, records, `fanin: ${message}`, cause);
    try {
      this.#onError(err);
    } catch {
      // A throwing onError must not break logging; the loss is already counted in stats().
    }
  }
}

// A string's UTF-16 length is its byte count for ASCII; UTF-8 takes at most 3 bytes per UTF-16
// unit, so the exact count is needed only when the record might be over the limit.
function sizeOf(record: unknown, limit: number): number {
  if (typeof record === 'string' || record instanceof Uint8Array) return recordSize(record, limit);
  return -1;
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

// Ref'd on purpose: a caller awaiting flush() or close() must not see the process exit under it
// (the background retry timer, by contrast, is unref'd and never keeps a process alive).
function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
