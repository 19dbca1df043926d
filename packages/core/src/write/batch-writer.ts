import type { WriterStats } from '../account/stats.js';
import { WriterAccount } from '../account/writer-account.js';
import { errnoCode } from '../contract/errors.js';
import type { DeadlineOptions, FlushOutcome, Writer } from '../contract/writer.js';
import { BatchOutput, type WriteFailure } from './batch-output.js';
import { type Batch, BatchQueue, linesOf } from './batch-queue.js';
import {
  type BatchSettings,
  type BatchWriterOptions,
  batchSettings,
  sizeOf,
} from './batch-writer-options.js';
import { learnKind, takesBlocks } from './block-rule.js';
import { writeNotice, writeNoticeAfterClose, writeNoticeOnce } from './loss-notice-writer.js';
import { isLocking, type Sink, withSinkStats } from './sink.js';
import { waitForRoom } from './wait-for-room.js';
import { delay, WritePacer } from './write-pacer.js';

/**
 * The shared writer loop: queue, coalesce into whole-record batches, write each batch with one
 * `write(2)` (framed chunks where the sink is a pipe), back off on failure, count and report
 * every loss through its {@link WriterAccount}, append a loss notice when writing resumes, and
 * flush synchronously at exit.
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
  readonly #output: BatchOutput;
  readonly #pacer: WritePacer;
  #unhook: () => void;
  #closing = false;
  #closed = false;
  #draining = false;
  // Set by the signal flush (exit/exit-hooks.ts): each record is written before write() returns.
  #through = false;
  readonly #waiters: (() => void)[] = [];

  constructor(sink: Sink, options: BatchWriterOptions = {}) {
    this.#sink = sink;
    this.#o = batchSettings(options);
    this.#account = new WriterAccount(options);
    this.#queue = new BatchQueue(this.#o.batchBytes);
    this.#output = new BatchOutput(Math.max(3 * this.#o.batchBytes, 128 * 1024));
    this.#pacer = new WritePacer(this.#o, () => this.#drain(false));
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
      this.#drain(false);
    }
    // A full batch, or a record larger than the whole buffer, is written at once.
    const full = this.#queue.add(record, size, level);
    if (this.#through) this.#drain(true);
    else if (full || size > this.#o.maxBufferBytes) this.#drain(false);
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
    this.#drain(false);
    return true;
  }

  /** Signal flush: the process is about to die of a signal, so write each record at once. */
  writeThrough(): void {
    this.#through = true;
  }

  /** SIGHUP under log4js: write what is queued, then reopen if the path names another file. */
  reopen(): void {
    this.#drain(true);
    (this.#sink as { reopenIfMoved?: () => boolean }).reopenIfMoved?.();
  }

  flushSync(): FlushOutcome {
    const before = this.#account.counters.records;
    if (this.#closed) writeNoticeAfterClose(this.#sink, this.#account);
    else this.#drain(true);
    return this.#account.outcome(before, this.#queue.records, false);
  }

  async flush(options: DeadlineOptions = {}): Promise<FlushOutcome> {
    const before = this.#account.counters.records;
    const deadline = Date.now() + (options.timeoutMs ?? Number.POSITIVE_INFINITY);
    this.#drain(false);
    while (this.#queue.records > 0 && Date.now() < deadline) {
      const retryIn = this.#pacer.retryAt - Date.now();
      await delay(Math.max(1, Math.min(retryIn, deadline - Date.now())));
      this.#drain(false);
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
    if (this.#queue.records === 0) queueMicrotask(callback);
    else this.#waiters.push(callback);
  }

  // The buffer fills only while the target fails (or a lock is busy): per whenFull.
  #makeRoom(size: number): boolean {
    const fits = () => !this.#queue.fullFor(size, this.#o.maxBufferBytes);
    return waitForRoom(this.#o.whenFull, () => this.#drain(true), fits);
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

  #drain(force: boolean): void {
    if (this.#draining || this.#queue.records === 0) return;
    if (!force && this.#pacer.waiting) {
      this.#pacer.armRetry();
      return;
    }
    const lock = isLocking(this.#sink) ? this.#sink : undefined;
    let wait = 0;
    try {
      wait = lock?.begin(force) ?? 0;
    } catch (err) {
      // The lock could not even be tried (its directory is unwritable, say): a failed write.
      this.#queue.seal();
      this.#fail(this.#queue.first() as Batch, err as WriteFailure);
      return;
    }
    if (wait > 0) {
      this.#pacer.waitFor(wait);
      return;
    }
    this.#draining = true;
    try {
      this.#queue.seal();
      if (this.#pacer.backoffMs > 0) this.#account.counters.retries++;
      writeNotice(this.#sink, this.#account, this.#pacer.backoffMs > 0);
      for (let b = this.#queue.first(); b; b = this.#queue.first()) {
        if (!this.#writeOne(b)) break;
        this.#queue.shift();
      }
    } finally {
      this.#draining = false;
      lock?.end();
    }
    if (this.#queue.records === 0) this.#wake();
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  // Writes one batch; on failure drops what did not land, starts the back-off, returns false.
  #writeOne(batch: Batch): boolean {
    try {
      // prepare() opens a lazy target first: only then is its kind, and so its limit, known.
      this.#sink.prepare(batch.bytes);
      const whole = this.#sink.atomicLimit === Number.POSITIVE_INFINITY;
      this.#output.write(this.#sink, batch, whole, this.#counted);
    } catch (err) {
      this.#fail(batch, err as WriteFailure);
      return false;
    }
    if (this.#pacer.backoffMs > 0) this.#recovered();
    else if (this.#account.inOutage) this.#account.succeeded();
    return true;
  }

  readonly #counted = (records: number, bytes: number, framed: boolean): void => {
    this.#pacer.wrote();
    const c = this.#account.counters;
    c.records += records;
    c.bytes += bytes;
    if (framed) c.chunkedRecords++;
  };

  #fail(batch: Batch, err: WriteFailure): void {
    const done = err.recordsDone ?? 0;
    const lost = batch.records - done;
    const reason = errnoCode(err);
    this.#queue.shift();
    this.#account.counters.writeErrors++;
    this.#pacer.failed();
    const reopen = (err as { reopenFailed?: boolean }).reopenFailed === true;
    const what = reopen ? 'reopen failed' : 'write failed';
    this.#account.drop({
      ...{ reason, records: lost, levels: batch.levels.slice(done), cause: err, outage: true },
      why: `${what}, ${lost} record(s) dropped: ${err.message}`,
    });
    this.#pacer.armRetry();
  }

  #recovered(): void {
    this.#pacer.recovered();
    this.#account.succeeded();
    writeNotice(this.#sink, this.#account, true);
  }

  #dropQueued(reason: string, why: string): void {
    for (const b of this.#queue.takeAll()) {
      this.#account.drop({ reason, records: b.records, levels: b.levels, why });
    }
    this.#wake();
  }

  // Records written after close are dropped as `closed` and reported; their notice is written
  // at exit (the target is opened again for it, then closed).
  #hookForNotice(): void {
    if (this.#account.unnoted === 0) this.#unhook = this.#account.registerExit(this);
  }
}
