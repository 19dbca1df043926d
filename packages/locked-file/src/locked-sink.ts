import type { LockStats } from '@fanin/core';
import type { FileTarget, LockingSink } from '@fanin/core/internal';
import type { FileLock } from './file-lock.js';

/**
 * A file target written under a file lock: `begin` takes the lock once per drain (so every
 * record queued since the last drain shares one lock), `end` releases it. Under the lock a
 * record of any size is written whole with no framing, so the atomic limit is unbounded.
 */
export class LockedSink implements LockingSink {
  readonly atomicLimit = Number.POSITIVE_INFINITY;
  readonly #target: FileTarget;
  readonly #lock: FileLock;
  readonly #retryMs: number;
  readonly #forceWaitMs: number;
  #bypassing = false;

  constructor(target: FileTarget, lock: FileLock, retryMs: number, forceWaitMs: number) {
    this.#target = target;
    this.#lock = lock;
    this.#retryMs = retryMs;
    this.#forceWaitMs = forceWaitMs;
  }

  get counters() {
    return this.#target.counters;
  }

  get opened(): boolean {
    return this.#target.opened;
  }

  begin(force: boolean): number {
    if (this.#lock.tryAcquire()) return 0;
    this.#lock.stats.busy++;
    if (!force) return this.#retryMs;
    // At exit (or for a caller whose policy is to block) we may only wait synchronously, and only
    // for a bounded time: past it, write without the lock (still one O_APPEND write per batch,
    // whole on a local file system) and count it, rather than lose the records.
    if (this.#lock.acquire(this.#forceWaitMs)) return 0;
    this.#lock.stats.exitBypasses++;
    this.#bypassing = true;
    return 0;
  }

  end(): void {
    if (this.#bypassing) this.#bypassing = false;
    else this.#lock.release();
  }

  prepare(nextBytes: number): void {
    this.#target.prepare(nextBytes);
  }

  writeAll(data: Uint8Array): void {
    this.#target.writeAll(data);
  }

  writeParts(parts: Uint8Array[]): void {
    this.#target.writeParts(parts);
  }

  close(): void {
    this.#target.close();
  }

  settle(deadlineMs: number): Promise<boolean> {
    return this.#target.settle(deadlineMs);
  }

  lockStats(): LockStats {
    return { ...this.#lock.stats };
  }
}
