import {
  type FaninError,
  type Loss,
  mergeStats,
  WriterAccount,
  type WriterStats,
} from '@fanin/core';
import { reportWarning } from '@fanin/core/internal';
import type { AsyncQueueOptions } from './async-queue-options.js';

/** What the queue knows of its parts when {@link QueueAccount.stats} merges them. */
export interface QueueParts {
  /** The writer thread's writer, as last posted by the thread. */
  worker: WriterStats | undefined;
  /** The calling thread's synchronous writer, if it was ever needed. */
  fallback: WriterStats | undefined;
  /** Records the writer thread has written (the ring's WRITTEN counter). */
  written: number;
  /** Bytes the writer thread has written (the ring's shared byte counter). */
  writtenBytes: number;
  /** Records the calling thread still holds or has in the ring. */
  queueDepth: number;
  capacityBytes: number;
  usedBytes: number;
  fallbackWrites: number;
  workerAlive: boolean;
}

/**
 * The queue's side of core's {@link WriterAccount}: every record the calling thread drops goes
 * through it (counted by reason and level, reported by core's one policy, noted in the log by
 * core's loss notice); `stats()` merges the calling thread's account with the writer thread's
 * and the fallback writer's ({@link mergeStats}). What is the queue's own: the shared counters
 * that keep `records` and `bytes` current between the writer thread's posts.
 */
export class QueueAccount {
  readonly #account: WriterAccount;
  readonly #onError: (err: FaninError) => void;

  constructor(o: AsyncQueueOptions) {
    this.#account = new WriterAccount(o);
    this.#onError = o.onError ?? reportWarning;
  }

  /** Counts, reports (once per episode) and books for the log notice one loss. */
  drop(loss: Loss): void {
    this.#account.drop(loss);
  }

  /**
   * Tells `onError` of what is not a loss of this thread's (the writer thread's own reports,
   * its death); a throwing handler must not break logging.
   */
  report(err: FaninError): void {
    try {
      this.#onError(err);
    } catch {
      // Whatever it was about is counted in stats() either way.
    }
  }

  /** A put succeeded: a full ring's episode ends (core's rule: once it has settled). */
  succeeded(): void {
    if (this.#account.inOutage) this.#account.succeeded();
  }

  /** The writer closes: every episode ends, with its summary if it lost more than reported. */
  finish(): void {
    this.#account.finish();
  }

  /** The loss notice when one is due (`now`: whatever the interval), else undefined. */
  notice(now = false): string | undefined {
    return this.#account.noticeDue(now);
  }

  /** The notice returned by {@link notice} is in the ring: a new account starts from zero. */
  noticeWritten(): void {
    this.#account.noticeWritten();
  }

  /** The queue's stats: its own drops plus what the writer thread and the fallback wrote. */
  stats(p: QueueParts): WriterStats {
    const out = mergeStats(this.#account.stats(p.queueDepth, p.usedBytes), [p.worker, p.fallback]);
    // The thread posts its stats at most every 100 ms; the ring's counters are always current.
    out.records = Math.max(out.records, p.written + (p.fallback?.records ?? 0));
    out.bytes = Math.max(out.bytes, p.writtenBytes + (p.fallback?.bytes ?? 0));
    out.queueDepth = p.queueDepth;
    out.queueBytes = p.usedBytes;
    out.queue = {
      capacityBytes: p.capacityBytes,
      usedBytes: p.usedBytes,
      fallbackWrites: p.fallbackWrites,
      workerAlive: p.workerAlive,
    };
    return out;
  }
}
