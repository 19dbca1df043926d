import { BatchJoiner, writeChunked } from './batch-encoding.js';
import type { Batch } from './batch-queue.js';
import type { Sink } from './sink.js';

/**
 * A failed write: `recordsDone` whole records of the batch landed (and were counted) before it,
 * `bytesWritten` bytes of the failed write itself.
 */
export type WriteFailure = Error & { recordsDone?: number; bytesWritten?: number };

/** Told after each write that landed: records and bytes, and whether the record was framed. */
export type Counted = (records: number, bytes: number, framed: boolean) => void;

const NL = 0x0a;

/**
 * Writes one batch to a sink, whole (one `write(2)`/`writev(2)`: a regular file) or packed and
 * framed to the sink's atomic limit (a pipe). A write that fails part-way counts exactly the
 * records that landed whole (the bytes written tell which) and rethrows with `recordsDone`.
 *
 * @example
 * const out = new BatchOutput(192 * 1024);
 * out.write(target, batch, true, (records, bytes) => { written += records; });
 */
export class BatchOutput {
  readonly #joiner: BatchJoiner;

  constructor(scratchBytes: number) {
    this.#joiner = new BatchJoiner(scratchBytes);
  }

  write(sink: Sink, batch: Batch, whole: boolean, counted: Counted): void {
    if (!whole) {
      writeChunked(sink, batch.parts, counted);
      return;
    }
    // Blocks handed over by writeBlock go out as they are, with one writev(2): no copy.
    const blocks = batch.blocks ? (batch.parts as Uint8Array[]) : undefined;
    const data = blocks && blocks.length > 1 ? blocks : [this.#joiner.join(batch.parts)];
    try {
      sink.writeParts(data);
    } catch (err) {
      const f = err as WriteFailure;
      const bytes = f.bytesWritten ?? 0;
      const done = batch.blocks ? linesIn(data, bytes, batch.records) : wholeParts(batch, bytes);
      if (bytes > 0) counted(done, bytes, false);
      throw Object.assign(f, { recordsDone: done });
    }
    counted(batch.records, byteLength(data), false);
  }
}

function byteLength(parts: Uint8Array[]): number {
  let n = 0;
  for (const p of parts) n += p.byteLength;
  return n;
}

// The records of `batch` wholly inside its first `bytes` bytes (each part is one record).
function wholeParts(batch: Batch, bytes: number): number {
  let done = 0;
  for (const p of batch.parts) {
    const size = typeof p === 'string' ? Buffer.byteLength(p) : p.byteLength;
    if (size > bytes) break;
    bytes -= size;
    done++;
  }
  return done;
}

// Whole records (newline-terminated) in the first `bytes` bytes of blocks, at most `max`.
function linesIn(parts: Uint8Array[], bytes: number, max: number): number {
  return Math.min(landedLines(parts, bytes).lines, max);
}

/**
 * What of a write of `parts` that stopped after `bytes` bytes (write(2) wrote what fit, then
 * ENOSPC) is whole records: the newline-terminated lines wholly inside those bytes, and the bytes
 * they take (up to and including the last newline). A retry starts after them; the fragment
 * past them is ended by the file target's newline-after-a-tear rule, not here. The one owner of
 * "which records a partial write landed", for the batch writer and the async queue's thread.
 *
 * @example
 * landedLines([Buffer.from('a\nbb\ncc')], 6); // { lines: 2, bytes: 5 }
 */
export function landedLines(parts: Uint8Array[], bytes: number): { lines: number; bytes: number } {
  let lines = 0;
  let through = 0;
  let at = 0;
  for (const p of parts) {
    const end = Math.min(p.byteLength, bytes - at);
    for (let i = p.indexOf(NL); i >= 0 && i < end; i = p.indexOf(NL, i + 1)) {
      lines++;
      through = at + i + 1;
    }
    at += p.byteLength;
    if (at >= bytes) break;
  }
  return { lines, bytes: through };
}
