import { isMarked, LATE_WRITE_CHECK_MS, writtenAfterRemoval } from '../rotation/removal-mark.js';
import type { FileDriver, FileInfo } from '../system/file-driver.js';

// A batch written again whose write is late again, and again: cut the chain.
const MAX_REWRITES = 3;

/**
 * A writer's side of the removal rule (rotation/removal-mark.ts), for one file target: a file
 * deleted or marked for removal since it was opened is left before the batch (its `fstat` shows
 * it: no syscall more), and a write that ended long after its batch's look is checked once
 * (one `fstat`), to be written again when it went into a file removed meanwhile. A write on
 * time costs one `performance.now()` (a vDSO clock read, no syscall).
 *
 * @example
 * late.look(); // before the batch's fstat
 * if (late.gone(info, opened)) reopen();
 * write(); if (late.lost(driver, fd)) late.again(() => { reopen(); write(); });
 */
export class LateWrite {
  // When this batch's look began (performance.now()).
  #lookedAt = 0;
  #rewriting = 0;

  /** The batch's look begins. */
  look(): void {
    this.#lookedAt = performance.now();
  }

  /**
   * Deleted (nlink 0), or marked for removal since it was opened: a file already marked when
   * opened is a user's own sticky-bit file, written as any other.
   */
  gone(st: FileInfo, opened: FileInfo | undefined): boolean {
    return st.nlink === 0 || (isMarked(st) && !isMarked(opened));
  }

  /** After a write that landed: whether it went into a file removed since (looks only when late). */
  lost(driver: FileDriver, fd: number): boolean {
    if (performance.now() - this.#lookedAt <= LATE_WRITE_CHECK_MS) return false;
    return this.#rewriting < MAX_REWRITES && writtenAfterRemoval(driver.fstat(fd));
  }

  /** Runs `rewrite` (reopen, write the batch again), counting the depth of such chains. */
  again(rewrite: () => void): void {
    this.#rewriting++;
    try {
      rewrite();
    } finally {
      this.#rewriting--;
    }
  }
}
