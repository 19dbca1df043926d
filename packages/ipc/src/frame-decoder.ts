import {
  decodeBody,
  FRAME_TYPES,
  type Frame,
  FrameError,
  HEADER_BYTES,
  MAGIC0,
  MAGIC1,
  VERSION,
} from './frames.js';

/**
 * Splits a byte stream into frames. Holds at most one frame (≤ `maxFrameBytes`) plus one read;
 * anything that is not a valid frame throws {@link FrameError} as soon as its header shows it
 * (bad magic from the first byte; version, type and length from the eighth), before its body
 * is buffered. How much all connections together may hold is the peer guard's matter.
 */
export class FrameDecoder {
  readonly #max: number;
  // The frame in progress: its bytes so far (views of the chunks read), how many, and its
  // whole size once its header is in (0 before).
  #parts: Buffer[] = [];
  #held = 0;
  #total = 0;

  constructor(maxFrameBytes: number) {
    this.#max = maxFrameBytes;
  }

  /** Bytes received that do not make a whole frame yet (non-zero at EOF: a truncated frame). */
  get buffered(): number {
    return this.#held;
  }

  /**
   * Feeds `chunk`; returns the frames it completes. Frames inside the chunk are decoded where
   * they lie; only a frame split across reads is copied, once, when its last byte is in.
   */
  push(chunk: Buffer): Frame[] {
    const frames: Frame[] = [];
    let rest = chunk;
    if (this.#held > 0) {
      rest = this.#finishHeld(rest, frames);
      if (this.#held > 0) return frames;
    }
    let at = 0;
    while (rest.length - at >= HEADER_BYTES) {
      const length = this.#length(at === 0 ? rest : rest.subarray(at));
      if (rest.length - at < HEADER_BYTES + length) break;
      const body = rest.subarray(at + HEADER_BYTES, at + HEADER_BYTES + length);
      frames.push(decodeBody(rest[at + 3] as number, body));
      at += HEADER_BYTES + length;
    }
    if (at < rest.length) {
      // The header check runs as soon as 8 bytes are in: garbage is refused before growth.
      const tail = rest.subarray(at);
      checkMagic(tail);
      this.#hold(tail);
      if (tail.length >= HEADER_BYTES) this.#total = HEADER_BYTES + this.#length(tail);
    }
    return frames;
  }

  // Adds to the frame in progress what `chunk` has of it (its header first); pushes the frame
  // once whole. Returns the rest of the chunk.
  #finishHeld(chunk: Buffer, frames: Frame[]): Buffer {
    let rest = chunk;
    if (this.#total === 0) {
      const take = Math.min(HEADER_BYTES - this.#held, rest.length);
      this.#hold(rest.subarray(0, take));
      rest = rest.subarray(take);
      const head = Buffer.concat(this.#parts, this.#held);
      this.#parts = [head];
      if (this.#held < HEADER_BYTES) {
        checkMagic(head);
        return rest;
      }
      this.#total = HEADER_BYTES + this.#length(head);
    }
    const take = Math.min(this.#total - this.#held, rest.length);
    if (take > 0) this.#hold(rest.subarray(0, take));
    rest = rest.subarray(take);
    if (this.#held < this.#total) return rest;
    const whole =
      this.#parts.length === 1
        ? (this.#parts[0] as Buffer)
        : Buffer.concat(this.#parts, this.#total);
    this.#parts = [];
    this.#held = 0;
    this.#total = 0;
    frames.push(decodeBody(whole[3] as number, whole.subarray(HEADER_BYTES)));
    return rest;
  }

  #hold(bytes: Buffer): void {
    this.#parts.push(bytes);
    this.#held += bytes.length;
  }

  // The body length a header announces, once its magic, version, type and size are checked.
  #length(b: Buffer): number {
    checkMagic(b);
    if (b[2] !== VERSION) throw new FrameError(`unsupported wire version ${b[2]}`);
    if (!FRAME_TYPES.has(b[3] as number)) throw new FrameError(`unknown frame type ${b[3]}`);
    const length = b.readUInt32BE(4);
    if (length > this.#max) {
      throw new FrameError(`frame of ${length} bytes is over maxFrameBytes (${this.#max})`);
    }
    return length;
  }
}

function checkMagic(b: Buffer): void {
  if ((b.length >= 1 && b[0] !== MAGIC0) || (b.length >= 2 && b[1] !== MAGIC1)) {
    throw new FrameError('not a fanin frame (bad magic)');
  }
}
