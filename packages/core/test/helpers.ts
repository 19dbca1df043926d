import { vi } from 'vitest';
import {
  type ChunkJoinerOptions,
  createChunkJoiner,
  createFileWriter,
  type FaninError,
  type FileWriterOptions,
  type JoinStats,
  type JoinWarning,
} from '../src/index.js';
import { FaultDriver, MemoryDriver, prng } from '../src/testing/index.js';

/** A small seeded PRNG (mulberry32), so every random interleaving or split can be replayed. */
export const seeded = prng;

/** An integer in [min, max]. */
export function between(rand: () => number, min: number, max: number): number {
  return min + Math.floor(rand() * (max - min + 1));
}

/** `n` bytes of seeded noise: every byte value, newlines and 0x1e included. */
export function noise(rand: () => number, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rand() * 256);
  return b;
}

/** About `n` bytes of text mixing 1-, 2-, 3- and 4-byte UTF-8 characters (never cut inside one). */
export function utf8Text(n: number): Buffer {
  const unit = 'aé€😀';
  const bytesPerUnit = Buffer.byteLength(unit);
  return Buffer.from(unit.repeat(Math.ceil(n / bytesPerUnit)));
}

/** How a byte stream is cut before it is fed to a joiner. */
export type SplitMode = 'whole' | '1-byte' | 'odd-7' | 'odd-4099' | 'random';

/** Cuts `buf` into the pieces a reader of a pipe might get. */
export function splitBuffer(buf: Buffer, mode: SplitMode, rand: () => number): Buffer[] {
  const size = (): number => {
    switch (mode) {
      case 'whole':
        return buf.length;
      case '1-byte':
        return 1;
      case 'odd-7':
        return 7;
      case 'odd-4099':
        return 4099;
      case 'random':
        return between(rand, 1, 5000);
    }
  };
  const out: Buffer[] = [];
  for (let at = 0; at < buf.length; ) {
    const n = Math.max(1, size());
    out.push(buf.subarray(at, at + n));
    at += n;
  }
  return out;
}

/** What a joiner made of its input. */
export interface JoinResult {
  output: Buffer;
  warnings: JoinWarning[];
  stats: JoinStats;
}

/** Feeds `pieces` to a fresh joiner, one `write` each, and collects its output and warnings. */
export async function joinPieces(
  pieces: readonly Buffer[],
  options?: ChunkJoinerOptions,
): Promise<JoinResult> {
  const joiner = createChunkJoiner(options);
  const warnings: JoinWarning[] = [];
  joiner.on('warning', (w: JoinWarning) => warnings.push(w));
  const out: Buffer[] = [];
  joiner.on('data', (b: Buffer) => out.push(b));
  const ended = new Promise<void>((resolve, reject) => {
    joiner.on('end', resolve);
    joiner.on('error', reject);
  });
  for (const p of pieces) joiner.write(p);
  joiner.end();
  await ended;
  return { output: Buffer.concat(out), warnings, stats: joiner.joinStats() };
}

/**
 * A MemoryDriver that also keeps the exact bytes of every write and the arguments of every open
 * (its `read` decodes a file as UTF-8, which mangles a multi-byte character that framing split
 * across two chunks).
 */
export class RecordingDriver extends MemoryDriver {
  readonly written: Buffer[] = [];
  readonly opens: { path: string; flags: number; mode: number }[] = [];

  /** Every byte written, in order. */
  bytes(): Buffer {
    return Buffer.concat(this.written);
  }

  override open(path: string, flags: number, mode: number): number {
    this.opens.push({ path, flags, mode });
    return super.open(path, flags, mode);
  }

  override write(fd: number, data: Uint8Array): number {
    const n = super.write(fd, data);
    this.written.push(Buffer.from(data.subarray(0, n)));
    return n;
  }
}

/** The lines of a log text, without the empty string after the last newline. */
export function linesOf(text: string | undefined): string[] {
  if (!text) return [];
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** A parsed default loss notice, or `undefined` when `line` is not one. */
export function noticeOf(
  line: string,
): { lost: number; byReason: Record<string, number>; pid: number } | undefined {
  try {
    const parsed = JSON.parse(line) as {
      fanin?: { lost: number; byReason: Record<string, number>; pid: number };
    };
    return parsed.fanin;
  } catch {
    return undefined;
  }
}

/** Waits for `check` to pass: polls every 2 ms (vi.waitFor's default of 50 ms slows the suite). */
export function until(check: () => void, timeout = 5000): Promise<void> {
  return vi.waitFor(check, { timeout, interval: 2 });
}

/** The path of the in-memory log file of {@link memWriter}. */
export const FILE = '/logs/app.log';

/** A writer on an in-memory file behind a fault injector, with its errors collected. */
export function memWriter(options: Partial<FileWriterOptions> = {}) {
  const mem = new MemoryDriver();
  const fault = new FaultDriver(mem);
  const onError = vi.fn<(err: FaninError) => void>();
  const writer = createFileWriter({
    filename: FILE,
    driver: fault,
    onError,
    exitHook: false,
    ...options,
  });
  return { mem, fault, writer, onError, lines: () => linesOf(mem.read(FILE)) };
}

/** Record `i` as a 10-byte line (`r7.......\n`), or wider. */
export const rec = (i: number, width = 9): string => `${`r${i}`.padEnd(width, '.')}\n`;
