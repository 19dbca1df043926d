import type { Spool } from './spool.js';

/**
 * The spools one shipper ships, in order: those adopted from dead processes (oldest first), then
 * this writer's own, which grows. A drained adopted spool is retired (its directory removed); the
 * byte totals go on counting it, so that they only grow and another thread can compare them with
 * what was written.
 */
export class SpoolChain {
  readonly #spools: Spool[];
  #retiredAcked = 0;
  #retiredFreed = 0;

  constructor(spools: Spool[]) {
    this.#spools = spools;
  }

  /** The spool being shipped: the oldest one left. */
  get current(): Spool {
    return this.#spools[0] as Spool;
  }

  /** This writer's own spool (the last one). */
  get own(): Spool {
    return this.#spools[this.#spools.length - 1] as Spool;
  }

  /** True when every appended record of every spool was acknowledged. */
  get drained(): boolean {
    return this.#spools.every((s) => s.drained);
  }

  /**
   * Removes the current spool, drained, if a later one follows (the own spool is never retired);
   * returns true when it did.
   */
  retire(): boolean {
    if (this.#spools.length < 2) return false;
    const done = this.current;
    done.close(true);
    this.#retiredAcked += done.ackedBytes;
    this.#retiredFreed += done.freedBytes;
    this.#spools.shift();
    return true;
  }

  /** Bytes of segment files on disk (acknowledged head of the oldest segment included). */
  get diskBytes(): number {
    return this.#sum((s) => s.diskBytes);
  }

  /** Bytes appended and not acknowledged: what `maxSpoolBytes` bounds. */
  get unackedBytes(): number {
    return this.#sum((s) => s.unackedBytes);
  }

  /** Bytes acknowledged since the spools were opened (and before, for adopted ones). */
  get ackedBytes(): number {
    return this.#retiredAcked + this.#sum((s) => s.ackedBytes);
  }

  /** Bytes of segment files deleted since the spools were opened. */
  get freedBytes(): number {
    return this.#retiredFreed + this.#sum((s) => s.freedBytes);
  }

  #sum(of: (s: Spool) => number): number {
    let total = 0;
    for (const s of this.#spools) total += of(s);
    return total;
  }

  /** Persists every cursor (synchronous: safe at exit). */
  persist(): void {
    for (const s of this.#spools) s.persist();
  }

  /** Closes every spool, removing those drained. */
  close(): void {
    for (const s of this.#spools) s.close(true);
  }
}
