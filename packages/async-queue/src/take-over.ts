import type { BatchWriter, WriterStats } from '@fanin/core';
import { landedLines } from '@fanin/core/internal';
import { type AsyncQueueOptions, workerOptionsOf } from './async-queue-options.js';
import { fileWriterFor } from './file-writer-for.js';
import type { QueueAccount } from './queue-account.js';
import { RESUME, type Ring, STATE, TAIL, TAKEN_OVER } from './ring.js';
import { RingOwner } from './ring-owner.js';

/**
 * The calling thread writing for itself: records too large for the ring, and everything once
 * the ring is taken from the writer thread (it died, or the process exits with records left).
 * Owns the synchronous fallback writer (same target and options, no exit hook of its own: the
 * queue's exit hook flushes it) and the take-over of the ring (see ring-owner.ts).
 */
export class TakeOver {
  readonly #ring: Ring;
  readonly #o: AsyncQueueOptions;
  readonly #account: QueueAccount;
  readonly #owner: RingOwner;
  readonly #staleMs: number;
  #fallback: BatchWriter | undefined;
  #taken = false;
  /** Records counted as queued that the calling thread wrote instead of the writer thread. */
  takenOver = 0;
  /** Records larger than half the ring, written here. */
  fallbackWrites = 0;

  constructor(ring: Ring, o: AsyncQueueOptions, account: QueueAccount) {
    this.#ring = ring;
    this.#o = o;
    this.#account = account;
    this.#staleMs = o.exitTimeoutMs ?? 2000;
    this.#owner = new RingOwner(ring.ctrl, this.#staleMs);
  }

  /** Whether the ring is the calling thread's (the writer thread writes nothing more). */
  get taken(): boolean {
    return this.#taken;
  }

  /** The fallback writer's stats, if it was ever needed. */
  fallbackStats(): WriterStats | undefined {
    return this.#fallback?.stats();
  }

  #writer(): BatchWriter {
    this.#fallback ??= fileWriterFor(
      this.#o.writer ?? 'append',
      { ...workerOptionsOf(this.#o), onFileEvent: this.#o.onFileEvent },
      (e) => this.#account.report(e),
      'createAsyncQueueWriter',
    );
    return this.#fallback;
  }

  /** Writes one record (or a block of `count`) on this thread, synchronously. */
  write(record: string | Uint8Array, count = 1): boolean {
    const w = this.#writer();
    const ok = count > 1 ? w.writeBlock(Buffer.from(record as string), count) : w.write(record);
    w.flushSync();
    return ok;
  }

  /** Larger than half the ring: keeps order by letting the ring drain, then writes it here, whole. */
  writeLarge(record: string | Uint8Array): boolean {
    if (!this.#taken) this.drainRing(false);
    this.fallbackWrites++;
    return this.write(record);
  }

  /**
   * Waits for the writer thread to empty the ring. Takes the ring and writes the rest here once
   * the thread has shown no sign of life for exitTimeoutMs (dead, or stuck in one system call);
   * at exit (`atExit`) also once it has had twice that, alive or not. From `deadlineAt` (a
   * signal's budget) on, takes it as soon as the thread is between two batches.
   */
  drainRing(atExit: boolean, deadlineAt = Number.POSITIVE_INFINITY): void {
    const ctrl = this.#ring.ctrl;
    const giveUp = atExit ? Date.now() + 2 * this.#staleMs : Number.POSITIVE_INFINITY;
    this.#owner.watch();
    while (!this.#taken && this.#ring.used() > 0) {
      const late = Date.now() >= deadlineAt;
      if (this.#owner.take(Date.now() >= giveUp) || (late && this.#owner.takeBetweenBatches())) {
        this.take();
        return;
      }
      this.#ring.wake();
      Atomics.wait(ctrl, TAIL, Atomics.load(ctrl, TAIL), late ? 1 : 20);
    }
  }

  /**
   * Waits (Atomics.wait on the tail) until `record` is put in the ring, for at most `ms`: `'put'`
   * then. A blocked thread never sees the Worker's 'exit' event (that needs an event-loop turn):
   * once the writer thread has shown no sign of life for exitTimeoutMs it is dead (or stuck in
   * one system call), and this thread takes the ring: `'taken'`, the caller writes the record.
   * A thread that is slow but working (a rotation lock, a loaded machine) keeps the ring: taking
   * it then wrote its batch twice (ring-owner.ts). `false`: the time ran out.
   */
  waitForRoom(record: string | Uint8Array, ms: number): 'put' | 'taken' | false {
    const deadline = Date.now() + ms;
    const ctrl = this.#ring.ctrl;
    this.#owner.watch();
    for (;;) {
      if (this.#ring.put(record)) return 'put';
      if (this.#taken) return 'taken';
      if (this.#owner.take()) {
        this.take();
        return 'taken';
      }
      const now = Date.now();
      if (now >= deadline) return false;
      this.#ring.wake();
      Atomics.wait(ctrl, TAIL, Atomics.load(ctrl, TAIL), Math.min(deadline - now, 50));
    }
  }

  /**
   * Takes the ring for good: the writer thread died (a batch it had claimed is written again),
   * or the process dies of a signal (the ring was emptied first).
   */
  takeForGood(): void {
    if (!this.#taken && this.#owner.take(true)) this.take();
  }

  /**
   * Writes, from this thread, what the ring still holds, from its tail: a batch the writer
   * thread had claimed but not published is written again (at-least-once).
   */
  take(): void {
    if (this.#taken) return;
    this.#taken = true;
    // Ends the writer thread's loop; it writes nothing more (the ring is not its own now).
    Atomics.store(this.#ring.ctrl, STATE, TAKEN_OVER);
    Atomics.notify(this.#ring.ctrl, STATE);
    const fallback = this.#writer();
    // A batch the writer thread began and could not finish (a full disk): what it wrote is not
    // written again (block-writes.ts). A line it left unfinished is ended by the fallback's file
    // target, which checks the file's tail before its first write (core's write/file-target.ts).
    let skip = Atomics.load(this.#ring.ctrl, RESUME);
    while (this.#ring.used() > 0) {
      let n = 0;
      const tail = this.#ring.peek(1 << 20, (entry, count) => {
        n += count;
        if (skip >= entry.byteLength) {
          skip -= entry.byteLength;
          return;
        }
        // The lines before `skip` are in the file: the rest of the block holds fewer records
        // (counted as its own, or dropped with it, they were counted twice).
        const left = count - landedLines([entry], skip).lines;
        const rest = entry.subarray(skip);
        skip = 0;
        // A copy: the fallback may keep it queued after this part of the ring is released.
        const data = Buffer.from(rest);
        if (left > 1) fallback.writeBlock(data, left);
        else fallback.write(data);
      });
      fallback.flushSync();
      this.#ring.release(tail);
      this.takenOver += n;
    }
  }

  /** Flushes the fallback writer; returns the records it could not write. */
  flushSync(): number {
    return this.#fallback?.flushSync().abandoned ?? 0;
  }

  async close(): Promise<void> {
    await this.#fallback?.close();
  }
}
