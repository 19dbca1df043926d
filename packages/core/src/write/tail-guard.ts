import type { FileDriver, FileInfo } from '../system/file-driver.js';
import { fileTail } from './file-tail.js';
import { totalBytes } from './record-cut.js';

/**
 * The newline-after-a-tear rule for one open regular file: a write starts with a newline
 * whenever the file does not end with one (a fragment left by a failed write of this process,
 * or by a killed writer of another), so no record is glued onto a fragment. It remembers where
 * its own last write ended, so that a batch finding the file as this writer left it costs one
 * fstat and nothing more (see file-tail.ts for the look itself).
 *
 * @example
 * const info = guard.look(driver, fd); const lead = guard.owed;
 * // write [newline if lead, ...parts], then:
 * guard.wrote(parts, lead);
 */
export class TailGuard {
  /** Writes that began with a newline because the file ended mid-line (a torn fragment). */
  mended = 0;
  // False once the last byte could not be read (a write-only log file): no look per batch then.
  #readable = true;
  // Set when the file is seen to end mid-line, or when a write of this process failed part-way;
  // cleared only once a newline has really landed.
  #owed = false;
  // The size at the last look, moved on by this writer's own writes (-1: unknown), and the size
  // at which the file is known to end with a newline (-1: not known).
  #lookSize = -1;
  #knownEnd = -1;

  /** Whether the next write must start with a newline. */
  get owed(): boolean {
    return this.#owed;
  }

  /**
   * Looks at the tail; returns the fstat it judged by (undefined: the file cannot be read, or
   * `needInfo` was false and a pread sufficed).
   */
  look(driver: FileDriver, fd: number, needInfo = true): FileInfo | undefined {
    if (!this.#readable) return undefined;
    const { tail, info } = fileTail(driver, fd, this.#knownEnd, needInfo);
    // Unreadable (a write-only file): keep what this process knows of its own writes.
    if (tail === 'unreadable') this.#readable = false;
    else this.#owed = tail === 'mid-line';
    // No info: the file is as this writer left it, ending at knownEnd.
    const size = info?.size ?? this.#knownEnd;
    this.#lookSize = tail === 'unreadable' ? -1 : size;
    this.#knownEnd = tail === 'newline' || tail === 'empty' ? size : -1;
    return info;
  }

  /** After `parts` (led by the owed newline when `lead`) landed whole. */
  wrote(parts: readonly Uint8Array[], lead: boolean): void {
    if (lead) this.#mend();
    const last = parts[parts.length - 1];
    if (this.#lookSize < 0 || last === undefined) return;
    this.#lookSize += totalBytes(parts);
    this.#knownEnd = last[last.byteLength - 1] === 0x0a ? this.#lookSize : -1;
  }

  /**
   * After a write that failed with `landed` bytes in the file: the owed newline is paid once it
   * landed, and part of a record with no newline in a regular file owes one again.
   */
  failed(landed: number, lead: boolean, regular: boolean): void {
    this.#lookSize = -1;
    this.#knownEnd = -1;
    if (lead && landed > 0) this.#mend();
    if (landed - (lead ? 1 : 0) > 0 && regular) this.#owed = true;
  }

  /** The file was closed: nothing is known of the next one's tail. */
  forget(): void {
    this.#lookSize = -1;
    this.#knownEnd = -1;
  }

  #mend(): void {
    this.#owed = false;
    this.mended++;
  }
}
