import { errnoCode, type FaninError, FaninWriteError } from './errors.js';
import { registerExitFlush } from './exit-hooks.js';
import type { FileTarget, Sink } from './file-target.js';
import { defaultNotice, LossLedger } from './loss-ledger.js';
import { createRecordIdSource, frameRecord } from './record-framing.js';
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
  /** Formats the loss notice appended to the log; `null` to write none. @default a JSON line */
  formatNotice?: ((notice: LossNotice) => string) | null;
  /** Flush synchronously on `process.exit`. @default true */
  exitHook?: boolean;
}

interface Batch {
  parts: (string | Uint8Array)[];
  bytes: number;
  records: number;
}

type WriteFailure = Error & { recordsDone?: number };

const nextId = createRecordIdSource();
const newBatch = (): Batch => ({ parts: [], bytes: 0, records: 0 });
const toBytes = (p: string | Uint8Array): Uint8Array =>
  typeof p === 'string' ? Buffer.from(p) : p;

function joinBatch(b: Batch): Uint8Array {
  if (b.parts.length === 1) return toBytes(b.parts[0] as string | Uint8Array);
  if (b.parts.every((p) => typeof p === 'string')) return Buffer.from(b.parts.join(''));
  return Buffer.concat(b.parts.map(toBytes));
}

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
  readonly #reported = new Set<string>();
  readonly #unhook: () => void;
  #batches: Batch[] = [];
  #open: Batch = newBatch();
  #queuedBytes = 0;
  #queuedRecords = 0;
  #scheduled = false;
  #retryAt = 0;
  #backoffMs = 0;
  #retryTimer: NodeJS.Timeout | undefined;
  #closing = false;
  #draining = false;

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
    };
    this.#onError = options.onError ?? defaultOnError;
    this.#ledger = new LossLedger(
      options.formatNotice === undefined ? defaultNotice : options.formatNotice,
    );
    this.#unhook = options.exitHook === false ? () => {} : registerExitFlush(this);
  }

  write(record: string | Uint8Array, level?: string): boolean {
    if (this.#closing) return this.#reject('closed', level, 'the writer is closed');
    const size = typeof record === 'string' ? record.length : sizeOf(record);
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
    if (this.#queuedBytes + size > this.#o.maxBufferBytes && !this.#makeRoom(size)) {
      return this.#reject(
        'queue-full',
        level,
        `the buffer is full (maxBufferBytes ${this.#o.maxBufferBytes})`,
      );
    }
    const open = this.#open;
    open.parts.push(record);
    open.bytes += size;
    open.records++;
    this.#queuedBytes += size;
    this.#queuedRecords++;
    if (open.bytes >= this.#o.batchBytes) this.#drain(false);
    else if (!this.#scheduled) this.#schedule();
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
    this.#writeNotice(true);
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
    setImmediate(() => {
      this.#scheduled = false;
      this.#drain(false);
    });
  }

  #makeRoom(size: number): boolean {
    if (this.#o.whenFull === 'drop') return false;
    this.#drain(true);
    return this.#queuedBytes + size <= this.#o.maxBufferBytes;
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
    const wait = this.#sink.begin?.(force) ?? 0;
    if (wait > 0) {
      this.#retryAt = Date.now() + wait;
      this.#armRetry();
      return;
    }
    this.#draining = true;
    try {
      this.#seal();
      this.#writeNotice(false);
      while (this.#batches.length > 0) {
        const batch = this.#batches[0] as Batch;
        if (!this.#writeOne(batch)) break;
        this.#batches.shift();
      }
    } finally {
      this.#draining = false;
      this.#sink.end?.();
    }
  }

  #seal(): void {
    if (this.#open.records === 0) return;
    this.#batches.push(this.#open);
    this.#open = newBatch();
  }

  // Writes one batch; on failure drops it, starts the back-off, and returns false.
  #writeOne(batch: Batch): boolean {
    try {
      if (this.#sink.atomicLimit === Number.POSITIVE_INFINITY) this.#writeWhole(batch);
      else this.#writeChunked(batch);
    } catch (err) {
      this.#fail(batch, err as WriteFailure);
      return false;
    }
    this.#dequeued(batch, batch.records);
    if (this.#backoffMs > 0) this.#recovered();
    return true;
  }

  #writeWhole(batch: Batch): void {
    const data = joinBatch(batch);
    this.#sink.prepare(data.byteLength);
    this.#sink.writeAll(data);
    this.#counted(batch.records, data.byteLength);
  }

  // For pipes, FIFOs, sockets, terminals: pack whole records into writes of at most the atomic
  // limit; split a larger record into framed chunks, one write(2) each.
  #writeChunked(batch: Batch): void {
    const limit = this.#sink.atomicLimit;
    let pack: Uint8Array[] = [];
    let packBytes = 0;
    let done = 0;
    const flushPack = () => {
      if (packBytes === 0) return;
      this.#sink.writeAll(pack.length === 1 ? (pack[0] as Uint8Array) : Buffer.concat(pack));
      this.#counted(pack.length, packBytes);
      done += pack.length;
      pack = [];
      packBytes = 0;
    };
    try {
      this.#sink.prepare(batch.bytes);
      for (const part of batch.parts) {
        const bytes = toBytes(part);
        if (packBytes + bytes.byteLength > limit) flushPack();
        if (bytes.byteLength <= limit) {
          pack.push(bytes);
          packBytes += bytes.byteLength;
          continue;
        }
        this.#writeFrames(bytes, limit);
        done++;
      }
      flushPack();
    } catch (err) {
      throw Object.assign(err as WriteFailure, { recordsDone: done });
    }
  }

  #writeFrames(record: Uint8Array, limit: number): void {
    let bytes = 0;
    for (const chunk of frameRecord(record, nextId(), limit)) {
      this.#sink.writeAll(chunk);
      bytes += chunk.byteLength;
    }
    this.#counted(1, bytes);
    this.#stats.chunkedRecords++;
  }

  #counted(records: number, bytes: number): void {
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
  }

  // Appends the loss notice when there is one and it is due (or `now` after a recovery).
  #writeNotice(now: boolean): void {
    const text = this.#ledger.due(now, this.#o.noticeIntervalMs);
    if (text === undefined) return;
    try {
      const data = Buffer.from(text);
      this.#sink.prepare(data.byteLength);
      if (data.byteLength <= this.#sink.atomicLimit) this.#sink.writeAll(data);
      else
        for (const c of frameRecord(data, nextId(), this.#sink.atomicLimit)) this.#sink.writeAll(c);
      this.#stats.bytes += data.byteLength;
      this.#ledger.written();
    } catch {
      // The notice stays pending; the failure of the batch behind it is counted and reported.
    }
  }

  #report(reason: string, message: string, records: number, cause?: unknown): void {
    if (this.#reported.has(reason)) return;
    this.#reported.add(reason);
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

function sizeOf(record: unknown): number {
  return record instanceof Uint8Array ? record.byteLength : -1;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

const warned = new Set<string>();

/** Default error path of a framework-free writer: one process warning per reason. */
function defaultOnError(err: FaninError): void {
  const reason = err instanceof FaninWriteError ? err.reason : err.code;
  if (warned.has(reason)) return;
  warned.add(reason);
  process.emitWarning(err.message, { code: err.code });
}
