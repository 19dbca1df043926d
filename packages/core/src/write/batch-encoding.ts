import { createRecordIdSource, frameRecord } from '../framing/record-framing.js';
import type { Sink } from './sink.js';

// One id source per thread: ids stay unique across all writers of a process and its threads.
const nextId = createRecordIdSource();

const toBytes = (p: string | Uint8Array): Uint8Array =>
  typeof p === 'string' ? Buffer.from(p) : p;

/**
 * Joins whole records into one buffer for one `write(2)`. Strings are joined (V8 flattens the
 * rope once) and encoded into a scratch buffer that is reused from batch to batch: one copy and
 * no garbage per batch, where `Buffer.from(parts.join(''))` makes two copies and a new buffer
 * (measured here: 101 vs 162 ns per 80-byte record, batches of 100). The result is a view of the
 * scratch buffer: write it before the next call.
 */
export class BatchJoiner {
  #scratch: Buffer;

  constructor(scratchBytes: number) {
    this.#scratch = Buffer.allocUnsafe(scratchBytes);
  }

  join(parts: (string | Uint8Array)[]): Uint8Array {
    if (parts.length === 1 && typeof parts[0] !== 'string') return parts[0] as Uint8Array;
    if (!parts.every((p) => typeof p === 'string')) return Buffer.concat(parts.map(toBytes));
    const text = parts.length === 1 ? (parts[0] as string) : parts.join('');
    // UTF-8 takes at most 3 bytes per UTF-16 unit: past that the scratch could truncate.
    if (text.length * 3 > this.#scratch.length) return Buffer.from(text);
    return this.#scratch.subarray(0, this.#scratch.write(text, 0));
  }
}

/** Writes one record as framed chunks, one `write(2)` each; returns the bytes written. */
export function writeFramed(sink: Sink, record: Uint8Array): number {
  let bytes = 0;
  for (const chunk of frameRecord(record, nextId(), sink.atomicLimit)) {
    sink.writeAll(chunk);
    bytes += chunk.byteLength;
  }
  return bytes;
}

/**
 * For pipes, FIFOs, sockets, terminals: packs whole records into writes of at most the sink's
 * atomic limit and splits a larger record into framed chunks. `counted` is told after each
 * write; a failure is rethrown with `recordsDone`, the records fully written before it.
 */
export function writeChunked(
  sink: Sink,
  parts: (string | Uint8Array)[],
  counted: (records: number, bytes: number, framed: boolean) => void,
): void {
  const limit = sink.atomicLimit;
  let pack: Uint8Array[] = [];
  let packBytes = 0;
  let done = 0;
  const flushPack = () => {
    if (packBytes === 0) return;
    sink.writeAll(pack.length === 1 ? (pack[0] as Uint8Array) : Buffer.concat(pack));
    counted(pack.length, packBytes, false);
    done += pack.length;
    pack = [];
    packBytes = 0;
  };
  try {
    for (const part of parts) {
      const bytes = toBytes(part);
      if (packBytes + bytes.byteLength > limit) flushPack();
      if (bytes.byteLength <= limit) {
        pack.push(bytes);
        packBytes += bytes.byteLength;
        continue;
      }
      counted(1, writeFramed(sink, bytes), true);
      done++;
    }
    flushPack();
  } catch (err) {
    throw Object.assign(err as Error, { recordsDone: done });
  }
}
