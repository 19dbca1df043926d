import type { BatchWriter, Writer } from '@fanin/core';
import type { Chunk } from './outbox.js';
import { fromTextBatch } from './text-batch.js';

/** The buffer a spill encodes its records into, reused from spill to spill. */
const SPILL_SCRATCH_BYTES = 1024 * 1024;

/**
 * Whether records may go to `writer` back to back as one block: a regular file takes any write
 * whole; a pipe needs them one by one (each within PIPE_BUF), and a lazy target is not known to
 * be either until it opens. Decided once per file writer, where it is made.
 */
export function takesBlocks(writer: Writer, lazy: boolean | undefined): writer is BatchWriter {
  const file = writer as Partial<BatchWriter>;
  // A destination that is not a file writer (syslog) takes records one by one.
  if (typeof file.writeBlock !== 'function' || !file.sink) return false;
  return file.sink.atomicLimit === Number.POSITIVE_INFINITY && lazy !== true;
}

/** After the signal flush, each record written before write() returns, where the writer can. */
export function writeThrough(writer: Writer): void {
  (writer as Partial<BatchWriter>).writeThrough?.();
}

/**
 * This process's own writer, for what it writes itself while another process writes the file
 * (records too large for a batch, a full buffer, exit, no writer): made on first use — a file
 * writer for the same file, or one more writer of the destination (with a syslog destination:
 * a spool and a session of its own).
 */
export class LocalWriter {
  readonly #make: () => Writer;
  readonly #lazy: boolean | undefined;
  #writer: Writer | undefined;
  #blocks: BatchWriter | undefined;
  #scratch: Buffer | undefined;

  constructor(make: () => Writer, lazy: boolean | undefined) {
    this.#make = make;
    this.#lazy = lazy;
  }

  /** The writer, made now if it was not yet. */
  get writer(): Writer {
    if (!this.#writer) {
      const w = this.#make();
      this.#writer = w;
      this.#blocks = takesBlocks(w, this.#lazy) ? w : undefined;
    }
    return this.#writer;
  }

  /** The writer if it was made (stats, flush, close). */
  get existing(): Writer | undefined {
    return this.#writer;
  }

  /**
   * Writes chunks of records now and returns how many: a regular file takes each chunk as one
   * block (one encode, one write(2)); another target gets the records one by one.
   */
  writeChunks(chunks: Chunk[]): number {
    const direct = this.writer;
    let n = 0;
    for (const c of chunks) n += c.lens.length;
    if (this.#blocks) {
      this.#writeBlocks(this.#blocks, chunks);
      return n;
    }
    for (const c of chunks) {
      const { records, levels } = fromTextBatch({ seq: 0, ...c });
      for (let i = 0; i < records.length; i++) {
        direct.write(records[i] as string, (levels[i] as string) || undefined);
      }
    }
    direct.flushSync();
    return n;
  }

  // Chunks encoded back to back into one reused buffer (a fresh one for every spill would cost
  // page faults on every write), written a buffer at a time: few write(2)s, few turns at the
  // file's lock, which the writer process and other spilling processes want too. A buffer the
  // writer could not write at once (still queued in it) is left to it.
  #writeBlocks(direct: BatchWriter, chunks: Chunk[]): void {
    this.#scratch ??= Buffer.allocUnsafeSlow(SPILL_SCRATCH_BYTES);
    let scratch = this.#scratch;
    let at = 0;
    let records = 0;
    const flush = () => {
      if (at === 0) return;
      direct.writeBlock(scratch.subarray(0, at), records);
      if (direct.flushSync().abandoned > 0) {
        scratch = this.#scratch = Buffer.allocUnsafeSlow(SPILL_SCRATCH_BYTES);
      }
      at = 0;
      records = 0;
    };
    for (const c of chunks) {
      // UTF-8 takes at most 3 bytes a UTF-16 unit.
      const most = 3 * c.text.length;
      if (most > scratch.length) {
        flush();
        direct.writeBlock(Buffer.from(c.text), c.lens.length);
        direct.flushSync();
        continue;
      }
      if (at + most > scratch.length) flush();
      at += scratch.write(c.text, at);
      records += c.lens.length;
    }
    flush();
  }
}
