import type { WriterStats } from '../account/stats.js';
import { WriterAccount } from '../account/writer-account.js';
import type { DeadlineOptions, FlushOutcome, Writer } from '../contract/writer.js';
import { BatchDrain } from './batch-drain.js';
import { BatchQueue, linesOf } from './batch-queue.js';
import {
  type BatchSettings,
  type BatchWriterOptions,
  batchSettings,
  sizeOf,
} from './batch-writer-options.js';
import { learnKind, takesBlocks } from './block-rule.js';
import { writeNoticeAfterClose, writeNoticeOnce } from './loss-notice-writer.js';
import { type Sink, withSinkStats } from './sink.js';
import { waitForRoom } from './wait-for-room.js';
import { delay, WritePacer } from './write-pacer.js';

/**
 * The shared writer loop: queue, coalesce into whole-record batches, write each batch with one
 * `write(2)` (framed chunks where the sink is a pipe), back off on failure, count and report
 * every loss through its {@link WriterAccount}, append a loss notice when writing resumes, and
 * flush synchronously at exit. It owns the `Writer` API and the lifecycle (admission, flush,
 * close); writing the queue out, failures and recovery are its {@link BatchDrain}'s.
 *
 * @example
 * const w = new BatchWriter(new FileTarget({ filename: 'app.log' }), {});
 * w.write('{"msg":"hi"}\n');
 * await w.close();
 */
export class BatchWriter implements Writer {
  readonly #sink: Sink;
  readonly #account: WriterAccount;
  readonly #o: BatchSettings;
  readonly #queue: BatchQueue;
  readonly #pacer: WritePacer;
  readonly #drain: BatchDrain;
  #unhook: () => void;
  #closing = false;
  #closed = false;
  // Set by the signal flush (exit/exit-hooks.ts): each record is written before write() returns.
  #through = false;

  constructor(sink: Sink, options: BatchWriterOptions = {}) {
    this.#sink = sink;
    this.#o = batchSettings(options);
    this.#account = new WriterAccount(options);
    this.#queue = new BatchQueue(this.#o.batchBytes);
    this.#pacer = new WritePacer(this.#o, () => this.#drain.run(false));
    this.#drain = new BatchDrain(sink, this.#account, this.#queue, this.#pacer, this.#o.batchBytes);
    this.#unhook = options.exitHook === false ? () => {} : this.#account.registerExit(this);
  }

  /**
   * Whether a block of whole records may be written whole, with no framing: the target is open
   * and is a regular file (or a locked one). Unknown (false) until a lazy target opens; blocks
   * handed over meanwhile go record by record. The one owner of this rule.
   */
  get takesBlocks(): boolean {
    return takesBlocks(this.#sink);
  }

  write(record: string | Uint8Array, level?: string): boolean {
    if (this.#closing) return this.#reject('closed', level, 'the writer is closed');
    const max = this.#o.maxRecordBytes;
    const size = sizeOf(record, max);
    if (size < 0) {
      const why = `a record must be a string or Uint8Array, got ${typeof record}`;
      return this.#reject('invalid-record', level, why);
    }
    if (size > max) {
      return this.#reject(
        'oversize',
        level,
        `a record of ${size} bytes is over maxRecordBytes (${max})`,
      );
    }
    if (this.#queue.fullFor(size, this.#o.maxBufferBytes) && !this.#makeRoom(size)) {
      const why = `the buffer is full (maxBufferBytes ${this.#o.maxBufferBytes})`;
      return this.#reject('queue-full', level, why, true);
    }
    // A batch never grows past batchBytes: a record that would take it over starts a new batch
    // (so a record of batchBytes or more is written alone, whole).
    if (this.#queue.wouldOverflow(size)) {
      this.#queue.seal();
      this.#drain.run(false);
    }
    // A full batch, or a record larger than the whole buffer, is written at once.
    const full = this.#queue.add(record, size, level);
    if (this.#through) this.#drain.run(true);
    else if (full || size > this.#o.maxBufferBytes) this.#drain.run(false);
    else this.#pacer.schedule(this.#sink.atomicLimit === Number.POSITIVE_INFINITY);
    return true;
  }

  /**
   * Queues `records` whole records already joined into one block (each ending with its line
   * terminator): how a writer thread hands over a ring's worth at once. Written whole when
   * {@link takesBlocks}; otherwise (a pipe) split into its lines and written record by record.
   */
  writeBlock(block: Uint8Array | Uint8Array[], records: number): boolean {
    if (this.#closing) {
      return this.#reject('closed', undefined, 'the writer is closed', false, records);
    }
    const blocks = Array.isArray(block) ? block : [block];
    learnKind(this.#sink);
    if (!takesBlocks(this.#sink)) {
      let ok = true;
      for (const b of blocks) for (const line of linesOf(b)) ok = this.write(line) && ok;
      return ok;
    }
    this.#queue.addBlocks(blocks, records);
    this.#drain.run(false);
    return true;
  }

  /** Signal flush: the process is about to die of a signal, so write each record at once. */
  writeThrough(): void {
    this.#through = true;
  }

  /** SIGHUP under log4js: write what is queued, then reopen if the path names another file. */
  reopen(): void {
    this.#drain.run(true);
    this.#sink.reopenIfMoved?.();
  }

  flushSync(): FlushOutcome {
    const before = this.#account.counters.records;
    if (this.#closed) writeNoticeAfterClose(this.#sink, this.#account);
    else this.#drain.run(true);
    return this.#account.outcome(before, this.#queue.records, false);
  }

  async flush(options: DeadlineOptions = {}): Promise<FlushOutcome> {
    const before = this.#account.counters.records;
    const deadline = Date.now() + (options.timeoutMs ?? Number.POSITIVE_INFINITY);
    this.#drain.run(false);
    while (this.#queue.records > 0 && Date.now() < deadline) {
      const retryIn = this.#pacer.retryAt - Date.now();
      await delay(Math.max(1, Math.min(retryIn, deadline - Date.now())));
      this.#drain.run(false);
    }
    return this.#account.outcome(before, this.#queue.records);
  }

  async close(options: DeadlineOptions = {}): Promise<FlushOutcome> {
    if (this.#closed) return this.#account.outcome(this.#account.counters.records, 0);
    this.#closing = true;
    const deadline = Date.now() + (options.timeoutMs ?? 10_000);
    const outcome = await this.flush({ timeoutMs: options.timeoutMs ?? 10_000 });
    if (outcome.abandoned > 0) {
      this.#dropQueued('close-timeout', `${outcome.abandoned} records abandoned at close`);
    }
    // One attempt only (close keeps to its deadline): if the lock is busy the losses stay in
    // stats() and are reported.
    if (this.#account.noticeDue(true) !== undefined) writeNoticeOnce(this.#sink, this.#account);
    // Compressions of rotated files (fanin #16): finished, or abandoned cleanly, by the deadline.
    await this.#sink.settle?.(deadline - Date.now());
    this.#account.finish();
    this.#pacer.stop();
    this.#unhook();
    this.#unhook = () => {};
    this.#sink.close();
    this.#closed = true;
    return outcome;
  }

  stats(): WriterStats {
    return withSinkStats(this.#account.stats(this.#queue.records, this.#queue.bytes), this.#sink);
  }

  /**
   * The running counts of records and bytes written and of failed writes, read as they stand:
   * for a caller that reads them once per batch (the async queue's writer thread), where
   * building a `stats()` snapshot each time would be waste.
   */
  get counters(): {
    readonly records: number;
    readonly bytes: number;
    readonly writeErrors: number;
  } {
    return this.#account.counters;
  }

  /** The sink records go to (a `FileTarget` for the file transports). */
  get sink(): Sink {
    return this.#sink;
  }

  /**
   * Counts a loss that happened outside this writer (a framework adapter, a queue) and notes it
   * in the log; with `why` it is also reported (per the one policy), without it the caller has
   * reported it itself.
   */
  noteDropped(reason: string, records: number, level?: string, why?: string): void {
    if (this.#closed && reason === 'closed') this.#hookForNotice();
    this.#account.drop({ reason, records, level, reported: why === undefined, why });
  }

  /** Calls `callback` once every record queued so far is written or dropped. */
  onWritten(callback: () => void): void {
    this.#drain.whenEmpty(callback);
  }

  // The buffer fills only while the target fails (or a lock is busy): per whenFull.
  #makeRoom(size: number): boolean {
    const fits = () => !this.#queue.fullFor(size, this.#o.maxBufferBytes);
    return waitForRoom(this.#o.whenFull, () => this.#drain.run(true), fits);
  }

  #reject(reason: string, level: string | undefined, why: string, outage = false, n = 1): false {
    if (this.#closed && reason === 'closed') this.#hookForNotice();
    this.#account.drop({
      reason,
      records: n,
      level,
      why: `record dropped (${reason}): ${why}`,
      outage,
    });
    return false;
  }

  #dropQueued(reason: string, why: string): void {
    for (const b of this.#queue.takeAll()) {
      this.#account.drop({ reason, records: b.records, levels: b.levels, why });
    }
    this.#drain.wake();
  }

  // Records written after close are dropped as `closed` and reported; their notice is written
  // at exit (the target is opened again for it, then closed).
  #hookForNotice(): void {
    if (this.#account.unnoted === 0) this.#unhook = this.#account.registerExit(this);
  }
}
