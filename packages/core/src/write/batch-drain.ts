import type { WriterAccount } from '../account/writer-account.js';
import { errnoCode } from '../contract/errors.js';
import { BatchOutput, type WriteFailure } from './batch-output.js';
import type { Batch, BatchQueue } from './batch-queue.js';
import { writeNotice } from './loss-notice-writer.js';
import { isLocking, type Sink } from './sink.js';
import type { WritePacer } from './write-pacer.js';

/**
 * Writes a writer's queue out, batch by batch, under the target's lock when it has one. A batch
 * that fails is dropped and counted (the records of it that landed whole stay written) and the
 * back-off starts; the first batch that lands after it ends the outage and appends the loss
 * notice. What {@link BatchWriter} delegates so that it keeps only the `Writer` API and its
 * lifecycle.
 */
export class BatchDrain {
  readonly #sink: Sink;
  readonly #account: WriterAccount;
  readonly #queue: BatchQueue;
  readonly #pacer: WritePacer;
  readonly #output: BatchOutput;
  #draining = false;
  readonly #waiters: (() => void)[] = [];

  constructor(
    sink: Sink,
    account: WriterAccount,
    queue: BatchQueue,
    pacer: WritePacer,
    batchBytes: number,
  ) {
    this.#sink = sink;
    this.#account = account;
    this.#queue = queue;
    this.#pacer = pacer;
    this.#output = new BatchOutput(Math.max(3 * batchBytes, 128 * 1024));
  }

  /**
   * Writes every queued batch now, or as far as the target takes them. Without `force` it keeps
   * to the back-off and to a busy lock (a retry is armed); with it (flushSync, a full buffer
   * under `whenFull: 'block'`) it tries at once.
   */
  run(force: boolean): void {
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
      this.#writeQueued();
    } finally {
      this.#draining = false;
      lock?.end();
    }
    if (this.#queue.records === 0) this.wake();
  }

  /** Calls `callback` once every record queued so far is written or dropped. */
  whenEmpty(callback: () => void): void {
    if (this.#queue.records === 0) queueMicrotask(callback);
    else this.#waiters.push(callback);
  }

  /** Calls the `whenEmpty` callbacks: the queue was written, or dropped (at close). */
  wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  #writeQueued(): void {
    this.#queue.seal();
    if (this.#pacer.backoffMs > 0) this.#account.counters.retries++;
    writeNotice(this.#sink, this.#account, this.#pacer.backoffMs > 0);
    for (let b = this.#queue.first(); b; b = this.#queue.first()) {
      if (!this.#writeOne(b)) break;
      this.#queue.shift();
    }
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
}
