import type { Sink } from './file-target.js';
import { createRecordIdSource, frameRecord } from './record-framing.js';

// One id source per thread: ids stay unique across all writers of a process and its threads.
const nextId = createRecordIdSource();

const toBytes = (p: string | Uint8Array): Uint8Array =>
  typeof p === 'string' ? Buffer.from(p) : p;

/** Whole records as one buffer, for one `write(2)`. */
export function joinParts(parts: (string | Uint8Array)[]): Uint8Array {
  if (parts.length === 1) return toBytes(parts[0] as string | Uint8Array);
  if (parts.every((p) => typeof p === 'string')) return Buffer.from(parts.join(''));
  return Buffer.concat(parts.map(toBytes));
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
