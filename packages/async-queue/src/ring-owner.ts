import type { FileDriver } from '@fanin/core';
import { BEAT, OWNER, TAIL, WRITTEN } from './ring.js';

/**
 * Who consumes the ring: one rule, so that a writer thread that is slow rather than dead never
 * sees its batch written a second time by the calling thread.
 *
 * The writer thread claims the ring for each batch (FREE -> WORKER) and gives it back after
 * publishing the tail; it bumps BEAT at every system call (its file driver) and while it backs
 * off. The calling thread takes the ring for good (-> CALLER) only once BEAT has stood still
 * for `staleMs` with records waiting: the thread is dead, or stuck inside one system call.
 * Issue #14, item 2: the calling thread used to take over when the tail had not moved for 2 s,
 * while the writer thread was still writing (waiting for the rotation lock, shifting 2000
 * backups on a loaded machine), and wrote that batch again: a 200 KB record began two files.
 */
export const FREE = 0;
export const WORKER = 1;
export const CALLER = 2;

/** Writer thread: claims the ring for one batch; false once the calling thread has taken it. */
export function claimBatch(ctrl: Int32Array): boolean {
  Atomics.add(ctrl, BEAT, 1);
  return Atomics.compareExchange(ctrl, OWNER, FREE, WORKER) === FREE;
}

/**
 * Writer thread, once the claimed batch is written: publishes its tail (a record leaves the ring
 * only once it is in the file) and gives the ring back. A compare-exchange on the tail: if the
 * calling thread took the ring meanwhile it moves the tail itself, and a late store here would
 * move it back. Returns false when the ring was taken (the thread must stop).
 */
export function publishBatch(
  ctrl: Int32Array,
  from: number,
  tail: number,
  records: number,
): boolean {
  Atomics.add(ctrl, BEAT, 1);
  if (Atomics.compareExchange(ctrl, TAIL, from, tail) === from) {
    Atomics.add(ctrl, WRITTEN, records);
    Atomics.notify(ctrl, TAIL);
  }
  return Atomics.compareExchange(ctrl, OWNER, WORKER, FREE) === WORKER;
}

/** Writer thread: `driver` with BEAT bumped before every system call. */
export function beatingDriver(driver: FileDriver, ctrl: Int32Array): FileDriver {
  const out: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(driver)) {
    if (typeof fn !== 'function') continue;
    out[name] = (...args: unknown[]) => {
      Atomics.add(ctrl, BEAT, 1);
      return (fn as (...a: unknown[]) => unknown).apply(driver, args);
    };
  }
  return out as unknown as FileDriver;
}

/**
 * Calling thread: watches BEAT and takes the ring once the writer thread has shown no sign of
 * life for `staleMs`. A batch it had claimed is then written again by the calling thread
 * (at-least-once: nothing lost, at most that one batch repeated).
 */
export class RingOwner {
  readonly #ctrl: Int32Array;
  readonly #staleMs: number;
  #beat = Number.NaN;
  #beatAt = 0;

  constructor(ctrl: Int32Array, staleMs: number) {
    this.#ctrl = ctrl;
    this.#staleMs = staleMs;
  }

  /** Starts watching afresh: the writer thread has `staleMs` from now to show a sign of life. */
  watch(): void {
    this.#beat = Number.NaN;
  }

  /** Whether the writer thread showed a sign of life within `staleMs` (call it repeatedly). */
  alive(): boolean {
    const beat = Atomics.load(this.#ctrl, BEAT);
    const now = Date.now();
    if (beat !== this.#beat) {
      this.#beat = beat;
      this.#beatAt = now;
    }
    return now - this.#beatAt < this.#staleMs;
  }

  /**
   * Takes the ring if the writer thread holds no batch (between two batches: nothing it began
   * is written again); true once taken.
   */
  takeBetweenBatches(): boolean {
    return Atomics.compareExchange(this.#ctrl, OWNER, FREE, CALLER) !== WORKER;
  }

  /** Takes the ring unless the writer thread is alive (`force`: even then); true once taken. */
  take(force = false): boolean {
    if (!force && this.alive()) return false;
    Atomics.store(this.#ctrl, OWNER, CALLER);
    return true;
  }
}
