import type { LockStats, WriterStats } from '../account/stats.js';

/** Counters every sink keeps; `stats()` adds them to the writer's. */
export interface SinkCounters {
  retries: number;
  reopenings: number;
  rotations: number;
  /** Reopens that failed or were refused (a symlink swapped in); see `WriterStats`. */
  reopenFailures?: number;
}

/**
 * Where a batch writer's records go: what every target needs. The batch writer calls `prepare`
 * before every batch and `writeAll` / `writeParts` with whole records (or one framed chunk) that
 * must not be split; which of the two it may use is its own rule (see `BatchWriter.takesBlocks`).
 */
export interface Sink {
  /**
   * Largest write the target keeps whole: `Infinity` for a regular file, PIPE_BUF for pipes.
   * Known once the target is open (a lazy target reports Infinity until then).
   */
  readonly atomicLimit: number;
  /** Whether the target is open, so that `atomicLimit` is known. */
  readonly opened: boolean;
  /** Open if needed, notice renames and deletions; may throw an errno error. */
  prepare(nextBytes: number): void;
  /**
   * Writes `parts` back to back as one append (one `writev(2)`, or one `write(2)` of them
   * joined); loops only on short writes and EAGAIN. On failure the error carries
   * `bytesWritten`: how many of the caller's bytes landed.
   */
  writeParts(parts: Uint8Array[]): void;
  /** `writeParts([data])`. */
  writeAll(data: Uint8Array): void;
  close(): void;
  /** Waits, at most `deadlineMs`, for background work (compression of rotated files). */
  settle?(deadlineMs: number): Promise<boolean>;
  readonly counters: SinkCounters;
}

/**
 * A sink that writes under a lock (`@fanin/locked-file`): the batch writer brackets each drain
 * with `begin` / `end`.
 */
export interface LockingSink extends Sink {
  /**
   * Called before a drain writes anything: 0 to go ahead, or how many ms to wait before trying
   * again (a lock held by another process). `force` (exit, a blocking caller) must return 0.
   */
  begin(force: boolean): number;
  /** Called after a drain that `begin` let through. */
  end(): void;
  /** Lock counters. */
  lockStats(): LockStats;
}

/** Whether `sink` writes under a lock. */
export function isLocking(sink: Sink): sink is LockingSink {
  return typeof (sink as Partial<LockingSink>).begin === 'function';
}

/** `stats` (a writer's own) with the sink's counters added, and its lock counters if it locks. */
export function withSinkStats(stats: WriterStats, sink: Sink): WriterStats {
  const c = sink.counters;
  stats.retries += c.retries;
  stats.reopenings += c.reopenings;
  stats.rotations += c.rotations;
  stats.reopenFailures = (stats.reopenFailures ?? 0) + (c.reopenFailures ?? 0);
  // The rotation policy's own count (a FileTarget's `rotation`): see WriterStats.
  const rotation = (sink as { rotation?: { counters: { lockTimeouts: number } } }).rotation;
  if (rotation) stats.rotationLockTimeouts = rotation.counters.lockTimeouts;
  if (isLocking(sink)) stats.lock = sink.lockStats();
  return stats;
}
