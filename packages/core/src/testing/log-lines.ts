import * as fs from 'node:fs';
import * as zlib from 'node:zlib';

const NL = 0x0a;
const CHUNK = 4 * 1024 * 1024;

/**
 * Splits a stream of bytes into lines: `push` calls `onLine` for each `'\n'`-terminated line
 * (without its newline); `end` returns the bytes after the last newline (a line cut short).
 */
export class LineSplitter {
  #carry: Buffer = Buffer.alloc(0);
  readonly #onLine: (line: Buffer) => void;

  constructor(onLine: (line: Buffer) => void) {
    this.#onLine = onLine;
  }

  push(chunk: Buffer): void {
    const data = this.#carry.length > 0 ? Buffer.concat([this.#carry, chunk]) : chunk;
    let start = 0;
    for (let end = data.indexOf(NL); end >= 0; end = data.indexOf(NL, start)) {
      this.#onLine(data.subarray(start, end));
      start = end + 1;
    }
    // A copy: `chunk` may be a buffer the caller reuses for its next read.
    this.#carry = Buffer.from(data.subarray(start));
  }

  /** The bytes after the last newline, and a fresh start. */
  end(): Buffer {
    const rest = this.#carry;
    this.#carry = Buffer.alloc(0);
    return rest;
  }
}

/**
 * Feeds the bytes of `file` to `onChunk`, 4 MiB at a time (a bench log may be gigabytes); a
 * name ending in `.gz` is gunzipped first (one that does not gunzip throws: it was half-written).
 * Returns the file's size, uncompressed.
 */
export function readChunks(file: string, onChunk: (chunk: Buffer) => void): number {
  if (file.endsWith('.gz')) {
    const data = zlib.gunzipSync(fs.readFileSync(file));
    onChunk(data);
    return data.byteLength;
  }
  const fd = fs.openSync(file, 'r');
  const chunk = Buffer.allocUnsafe(CHUNK);
  let size = 0;
  try {
    for (let n = fs.readSync(fd, chunk, 0, CHUNK, null); n > 0; ) {
      size += n;
      onChunk(chunk.subarray(0, n));
      n = fs.readSync(fd, chunk, 0, CHUNK, null);
    }
  } finally {
    fs.closeSync(fd);
  }
  return size;
}

const QUOTE = 0x22;
const BRACE = 0x7d;
const FAST_PAD = 256 * 1024;
const padsOf = new Map<number, Buffer>();

function digits(buf: Buffer, at: number): [number, number] | undefined {
  let v = 0;
  let i = at;
  for (; i < buf.length && (buf[i] as number) >= 0x30 && (buf[i] as number) <= 0x39; i++) {
    v = v * 10 + (buf[i] as number) - 0x30;
  }
  return i === at || i - at > 15 ? undefined : [v, i];
}

const startsAt = (buf: Buffer, at: number, text: string) =>
  buf.toString('latin1', at, at + text.length) === text;

/**
 * The bench's framework-free line `{"p":P,"s":S,"pad":"xx…x"}` read without JSON.parse (3× faster
 * on 100 B lines, bench/README.md): `{ p, s }` when the pad is one repeated byte, `undefined`
 * for any other shape (which then goes through JSON.parse).
 */
export function fastRecord(buf: Buffer): { p: number; s: number } | undefined {
  if (!startsAt(buf, 0, '{"p":')) return undefined;
  const p = digits(buf, 5);
  if (!p || !startsAt(buf, p[1], ',"s":')) return undefined;
  const s = digits(buf, p[1] + 5);
  if (!s || !startsAt(buf, s[1], ',"pad":"')) return undefined;
  const from = s[1] + 8;
  const to = buf.length - 2;
  if (to <= from || buf[to] !== QUOTE || buf[to + 1] !== BRACE || to - from > FAST_PAD) {
    return undefined;
  }
  const byte = buf[from] as number;
  if (byte === QUOTE || byte === 0x5c) return undefined;
  let pad = padsOf.get(byte);
  if (!pad) {
    pad = Buffer.alloc(FAST_PAD, byte);
    padsOf.set(byte, pad);
  }
  return buf.compare(pad, 0, to - from, from, to) === 0 ? { p: p[0], s: s[0] } : undefined;
}
