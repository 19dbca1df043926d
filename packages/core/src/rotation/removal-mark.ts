import * as fs from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import type { FileInfo } from '../system/file-driver.js';
import { abortController } from './gzip-file.js';

/**
 * How rotated files are removed while other processes may still write to them (fanin #14 item
 * 6b). A writer `fstat`s its descriptor before each batch and reopens the path when the file is
 * gone; a writer descheduled between that `fstat` and its `write(2)` could still write its batch
 * into a file that the compressor or retention removed meanwhile: an unlinked inode, a silent
 * loss. The rule, one part per side:
 *
 * - **The remover** (compressor, retention) first marks the file (the sticky bit, `S_ISVTX`,
 *   which Linux ignores on regular files and no write clears: chmod(2)), and removes it only
 *   {@link REMOVAL_GRACE_MS} later. What lands before its last look is its own: archived by the
 *   compressor (which looks at the size under the rotation lock), deleted with the file by
 *   retention, as every record of a file past `backups` is.
 * - **A writer** does not write into a file marked after it opened it: its batch `fstat` shows
 *   the mark, and it reopens the path (no syscall more: the `fstat` is made anyway). So a batch
 *   can land in a removed file only if its `fstat` came before the mark, that is, more than the
 *   grace before its write: a writer whose write ends more than {@link LATE_WRITE_CHECK_MS}
 *   after its batch's `fstat` looks once more (one `fstat`), and when the file is gone and was
 *   last changed by a write (`mtime` ≥ `ctime`: unlink(2) sets `ctime`, a later write sets
 *   both) writes the batch again into the live file. A writer on time costs nothing more.
 */
export const REMOVAL_GRACE_MS = 200;

/** A write that ends this long after its batch's `fstat` is checked (half the grace: margin). */
export const LATE_WRITE_CHECK_MS = REMOVAL_GRACE_MS / 2;

/** The mark: S_ISVTX (inode(7)); on a regular file Linux gives it no meaning. */
export const REMOVAL_MARK = 0o1000;

/** Whether the file carries the removal mark. */
export function isMarked(info: FileInfo | undefined): boolean {
  return info?.mode !== undefined && (info.mode & REMOVAL_MARK) !== 0;
}

/** The file's mode with the removal mark (0o644 assumed where the driver gave none). */
export function markedMode(info: FileInfo): number {
  return (info.mode ?? 0o644) | REMOVAL_MARK;
}

/**
 * Marks the file open at `fd` for removal; returns its mode before, or null when it cannot be
 * marked (another user's file: EPERM), which leaves its removal without the grace's guarantee.
 */
export function markOpenFile(fd: number): number | null {
  // A file left marked by a process that died compressing it: its mode less the mark.
  const mode = fs.fstatSync(fd).mode & 0o7777 & ~REMOVAL_MARK;
  try {
    fs.fchmodSync(fd, mode | REMOVAL_MARK);
    return mode;
  } catch {
    return null;
  }
}

/** Gives a file whose removal was abandoned (a close deadline, an error) its mode back. */
export function unmarkOpenFile(fd: number, mode: number): void {
  try {
    fs.fchmodSync(fd, mode);
  } catch {
    // Left marked: writers that still have it open reopen the path, as they should.
  }
}

/**
 * Whether a file marked for removal has been so for the whole grace: its `ctime` (set by the
 * chmod that marked it, moved on by any later write or rename) is that old. A file a process
 * marked and then died before removing is removed by the next retention that meets it.
 */
export function graceOver(info: FileInfo, now = Date.now()): boolean {
  return now - (info.ctimeMs ?? 0) >= REMOVAL_GRACE_MS;
}

/**
 * Whether the open file `info` describes was removed and then written: gone (`nlink` 0) and last
 * changed by a write. Where the driver gives no `ctime`, a gone file counts as written after.
 * Within one tick of the kernel's coarse clock (1–4 ms) a write just before the unlink reads as
 * after it: a compressed file's batch is then in the archive and written again (core README,
 * "Removal with a grace"; measured on Linux 6.18, ext4).
 */
export function writtenAfterRemoval(info: FileInfo): boolean {
  if (info.nlink !== 0) return false;
  return info.ctimeMs === undefined || info.mtimeMs >= info.ctimeMs;
}

/**
 * Removals waiting out their grace, beside everything else (each waits {@link REMOVAL_GRACE_MS}).
 * The wait is not unref'd, as a compression's is not: it is part of a rotation's work, and
 * `close()` awaits it within its deadline (then abandons it: the marked file is removed by the
 * next retention that meets it).
 */
export class DelayedRemovals {
  readonly #pending = new Set<Promise<void>>();
  #abort = abortController();

  /** Runs `remove` once the grace is over; `remove` returns false to be run again later. */
  add(remove: () => boolean, onError: (err: Error) => void): void {
    const signal = this.#abort.signal;
    const run = async (): Promise<void> => {
      for (;;) {
        await delay(REMOVAL_GRACE_MS, undefined, { signal });
        if (remove()) return;
      }
    };
    const job: Promise<void> = run()
      .catch((err) => {
        if (!signal.aborted) onError(err as Error);
      })
      .finally(() => this.#pending.delete(job));
    this.#pending.add(job);
  }

  /** Resolves when no removal waits. */
  async idle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all(this.#pending);
  }

  /** Waits for the removals, at most `deadlineMs`; then abandons them. Resolves to whether all were done. */
  async settle(deadlineMs: number): Promise<boolean> {
    if (this.#pending.size === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), Math.max(0, deadlineMs));
    });
    const done = await Promise.race([this.idle().then(() => true as const), late]);
    clearTimeout(timer);
    if (done) return true;
    this.#abort.abort();
    await this.idle();
    this.#abort = abortController();
    return false;
  }
}
