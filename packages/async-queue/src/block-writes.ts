import type { Sink } from '@fanin/core';
import { errnoCode, isLocking } from '@fanin/core/internal';

/** How one attempt at a ring batch ended. */
export type Attempt = { done: true } | { done: false; code: string; waitMs: number };

/**
 * The writer thread's writes of ring batches to a regular file: straight to the file target,
 * one writev(2) of views of the ring, so that a write that fails (ENOSPC, EIO) loses nothing.
 * The batch stays in the ring and is tried again after a back-off (issue #14, item 1: the
 * batch writer dropped it, so every record logged during a full disk was lost, although they
 * were meant to wait in the ring).
 *
 * A write may fail part-way (write(2) writes what fits, then ENOSPC): the lines wholly in the
 * file are not written again; the retry starts at the first line not wholly written. The newline
 * that ends the fragment the failure left is core's file target's rule, not this one's: it puts
 * one first whenever the file does not end with one (write/file-target.ts), and reports in
 * `bytesWritten` only the caller's bytes. `resume` is mirrored in shared memory by the caller,
 * so that a take-over by the calling thread starts at the same place.
 */
export class BlockWrites {
  readonly #sink: Sink;
  /** Bytes of the current batch before its first line not wholly in the file. */
  resume = 0;
  records = 0;
  bytes = 0;
  writeErrors = 0;

  constructor(sink: Sink) {
    this.#sink = sink;
  }

  /** One attempt at `parts` (the batch, `records` records): whole, or from where the last stopped. */
  attempt(parts: Uint8Array[], records: number, force: boolean): Attempt {
    const rest = after(parts, this.resume);
    const size = rest.reduce((n, p) => n + p.byteLength, 0);
    let begun = false;
    try {
      const waitMs = isLocking(this.#sink) ? this.#sink.begin(force) : 0;
      if (waitMs > 0) return { done: false, code: 'lock-busy', waitMs };
      begun = true;
      this.#sink.prepare(size);
      this.#sink.writeParts(rest);
    } catch (err) {
      this.writeErrors++;
      this.#advance(parts, (err as { bytesWritten?: number }).bytesWritten ?? 0);
      return { done: false, code: errnoCode(err), waitMs: 0 };
    } finally {
      if (begun && isLocking(this.#sink)) this.#sink.end();
    }
    this.bytes += size;
    this.records += records;
    this.resume = 0;
    return { done: true };
  }

  // `written` bytes of the batch, from `resume`, reached the file (the sink's own newline before
  // them is not among them). Moves `resume` past the lines now wholly in the file.
  #advance(parts: Uint8Array[], written: number): void {
    if (written <= 0) return;
    this.bytes += written;
    const end = this.resume + written;
    const nl = lastNewline(parts, this.resume, end);
    if (nl >= 0) this.resume = nl + 1;
  }
}

// The parts from byte `n` on (views, nothing copied).
function after(parts: Uint8Array[], n: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const p of parts) {
    if (n >= p.byteLength) n -= p.byteLength;
    else {
      out.push(n > 0 ? p.subarray(n) : p);
      n = 0;
    }
  }
  return out;
}

// Offset (across the parts) of the last newline in [from, to), or -1.
function lastNewline(parts: Uint8Array[], from: number, to: number): number {
  let found = -1;
  let at = 0;
  for (const p of parts) {
    const start = Math.max(from - at, 0);
    const stop = Math.min(to - at, p.byteLength);
    if (start < stop) {
      const i = p.subarray(start, stop).lastIndexOf(0x0a);
      if (i >= 0) found = at + start + i;
    }
    at += p.byteLength;
    if (at >= to) break;
  }
  return found;
}
