import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import { createChunkJoiner, type JoinStats, type JoinWarning } from '@fanin/core';

/** What came out of a FIFO: the raw bytes and, joined, the records. */
export interface FifoOutput {
  raw: Buffer;
  joined: Buffer;
  joinStats: JoinStats;
  warnings: JoinWarning[];
}

/** A FIFO being read; `finish()` ends it once every writer has exited. */
export interface FifoReader {
  /** A descriptor open on the FIFO, to hand to children as their stdout. */
  fd: number;
  /** Starts reading, when opened `paused` (a stalled consumer: writers fill the pipe). */
  resume(): void;
  finish(): Promise<FifoOutput>;
}

/**
 * Makes a FIFO at `fifo` and reads it: the raw stream is kept, and piped through
 * `createChunkJoiner()` as a consumer would. Resolves once the read end is open, so writers
 * opening the FIFO never block. `paused` opens it without reading until `resume()`.
 *
 * @example
 * const reader = await readFifo(fifo);
 * // … fork writers with filename: fifo, wait for their exits …
 * const { joined, joinStats } = await reader.finish();
 */
export async function readFifo(fifo: string, { paused = false } = {}): Promise<FifoReader> {
  const made = spawnSync('mkfifo', [fifo], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`mkfifo ${fifo} failed: ${made.stderr || made.error}`);
  // fifo(7): "Under Linux, opening a FIFO for read and write will succeed both in blocking and
  // nonblocking mode." This descriptor keeps a writer on the FIFO, so the reader sees no EOF
  // between one child's close and the next one's open; closing it ends the stream.
  const keeper = fs.openSync(fifo, 'r+');
  const stream = fs.createReadStream(fifo);
  const raw: Buffer[] = [];
  const joined: Buffer[] = [];
  const warnings: JoinWarning[] = [];
  const joiner = createChunkJoiner();
  stream.on('data', (chunk) => raw.push(chunk as Buffer));
  joiner.on('data', (chunk: Buffer) => joined.push(chunk));
  joiner.on('warning', (w: JoinWarning) => warnings.push(w));
  const ended = once(joiner, 'end');
  stream.pipe(joiner);
  if (paused) stream.pause();
  await once(stream, 'ready');
  return {
    fd: keeper,
    resume: () => stream.resume(),
    async finish() {
      fs.closeSync(keeper);
      stream.resume();
      await ended;
      return {
        raw: Buffer.concat(raw),
        joined: Buffer.concat(joined),
        joinStats: joiner.joinStats(),
        warnings,
      };
    },
  };
}

/**
 * Lengths of the raw stream's lines (newline included) longer than `limit`, plus the length of
 * any bytes after the last newline (a stream of whole lines has none).
 */
export function linesOver(raw: Buffer, limit: number): number[] {
  const over: number[] = [];
  let start = 0;
  for (let nl = raw.indexOf(0x0a); nl >= 0; nl = raw.indexOf(0x0a, start)) {
    if (nl + 1 - start > limit) over.push(nl + 1 - start);
    start = nl + 1;
  }
  if (start < raw.length) over.push(raw.length - start);
  return over;
}
