import { FaninError } from '@fanin/core';

// The socket wire format, version 1. Every frame is an 8-byte header and a body:
//   bytes 0–1  magic 0x66 0x6e ("fn")
//   byte  2    version (1)
//   byte  3    type: HELLO, WELCOME, BATCH, ACK, BYE, TEXT
//   bytes 4–7  body length, u32 big-endian
// HELLO/WELCOME bodies are UTF-8 JSON ({ pid }, and a HELLO on a writer's private socket also
// { key }); BYE has an empty body. A BATCH body is
//   u32 seq, u32 count, then per record: u8 level length, level (ASCII), u32 length, bytes.
// A TEXT body (what a forwarder sends: its records already back to back) is
//   u32 seq, u32 count, u8 form (0: one level for all, then u8 length + level; 1: per record
//   u8 length + level), then count × u32 record length in UTF-16 units, then the records'
//   UTF-8 bytes to the end of the frame. The writer appends those bytes as they are.
// An ACK body is u32 seq: every batch up to and including seq is in the file (cumulative).
// Over a Node IPC channel (cluster, fork) the same content travels as a message object
// ({@link ChannelMessage}); Node frames it, and `v` carries the version.

export const MAGIC0 = 0x66;
export const MAGIC1 = 0x6e;
export const VERSION = 1;
export const HEADER_BYTES = 8;

export const HELLO = 1;
export const WELCOME = 2;
export const BATCH = 3;
export const ACK = 4;
/** The writer is closing on purpose: elect the next one without reporting an error. */
export const BYE = 5;
export const TEXT = 6;

/** Records of one batch and their levels ('' when the record had none). */
export interface Batch {
  seq: number;
  records: string[];
  levels: string[];
}

/**
 * A TEXT frame's batch: the records' UTF-8 bytes back to back (a view into the frame), each
 * record's length in UTF-16 units, and the levels as {@link compactLevels} gives them.
 */
export interface BytesBatch {
  seq: number;
  bytes: Buffer;
  lens: number[];
  levels: string | string[];
}

/** A decoded frame. */
export type Frame =
  | { type: typeof HELLO | typeof WELCOME; pid: number; key?: string }
  | { type: typeof BATCH; batch: Batch }
  | { type: typeof TEXT; batch: BytesBatch }
  | { type: typeof ACK; seq: number }
  | { type: typeof BYE };

/** Writes a frame header (magic, version, `type`, body `length`) at the start of `out`. */
function writeHeader(out: Buffer, type: number, length: number): void {
  out[0] = MAGIC0;
  out[1] = MAGIC1;
  out[2] = VERSION;
  out[3] = type;
  out.writeUInt32BE(length, 4);
}

function header(type: number, length: number): Buffer {
  const h = Buffer.allocUnsafe(HEADER_BYTES);
  writeHeader(h, type, length);
  return h;
}

export function encodeHello(type: typeof HELLO | typeof WELCOME, key?: string): Buffer {
  const body = Buffer.from(
    JSON.stringify(key === undefined ? { pid: process.pid } : { pid: process.pid, key }),
  );
  return Buffer.concat([header(type, body.length), body]);
}

export function encodeAck(seq: number): Buffer {
  const f = Buffer.allocUnsafe(HEADER_BYTES + 4);
  writeHeader(f, ACK, 4);
  f.writeUInt32BE(seq >>> 0, HEADER_BYTES);
  return f;
}

export function encodeBye(): Buffer {
  return header(BYE, 0);
}

/** One BATCH frame: header and body in one buffer, so one socket write carries it whole. */
export function encodeBatch(batch: Batch): Buffer {
  let length = 8;
  const bytes: number[] = [];
  for (let i = 0; i < batch.records.length; i++) {
    const n = Buffer.byteLength(batch.records[i] as string);
    bytes.push(n);
    length += 1 + (batch.levels[i] as string).length + 4 + n;
  }
  const out = Buffer.allocUnsafe(HEADER_BYTES + length);
  header(BATCH, length).copy(out, 0);
  let at = HEADER_BYTES;
  at = out.writeUInt32BE(batch.seq >>> 0, at);
  at = out.writeUInt32BE(batch.records.length, at);
  for (let i = 0; i < batch.records.length; i++) {
    const level = batch.levels[i] as string;
    out[at++] = level.length;
    at += out.write(level, at, 'latin1');
    at = out.writeUInt32BE(bytes[i] as number, at);
    at += out.write(batch.records[i] as string, at, 'utf8');
  }
  return out;
}

/**
 * The TEXT frame of a batch held as one string, in `scratch` when it is large enough (else in a
 * new buffer): returns the frame, a view. The text is encoded once, straight into the frame.
 */
export function encodeTextFrame(tb: TextBatch, scratch?: Buffer): Buffer {
  const n = tb.lens.length;
  // A level is at most 255 characters on the wire (its length is a byte).
  const levels = typeof tb.levels === 'string' ? [cut(tb.levels)] : tb.levels.map(cut);
  let levelBytes = 0;
  for (const l of levels) levelBytes += 1 + l.length;
  const headBytes = HEADER_BYTES + 9 + levelBytes + 4 * n;
  // UTF-8 takes at most 3 bytes a UTF-16 unit.
  const most = headBytes + 3 * tb.text.length;
  const out = scratch && scratch.length >= most ? scratch : Buffer.allocUnsafe(most);
  let at = out.writeUInt32BE(tb.seq >>> 0, HEADER_BYTES);
  at = out.writeUInt32BE(n, at);
  out[at++] = typeof tb.levels === 'string' ? 0 : 1;
  for (const l of levels) {
    out[at++] = l.length;
    at += out.write(l, at, 'latin1');
  }
  for (let i = 0; i < n; i++) at = out.writeUInt32BE(tb.lens[i] as number, at);
  const textBytes = out.write(tb.text, at, 'utf8');
  // The body's length is known once the text is in.
  writeHeader(out, TEXT, at - HEADER_BYTES + textBytes);
  return out.subarray(0, at + textBytes);
}

const cut = (level: string) => (level.length > 255 ? level.slice(0, 255) : level);

/** A whole TEXT frame in a buffer of its own. */
export function encodeTextBatch(tb: TextBatch): Buffer {
  return Buffer.from(encodeTextFrame(tb));
}

/** A peer broke the protocol; the connection is closed and counted. */
export class FrameError extends FaninError {
  constructor(message: string) {
    super('ERR_FANIN_FRAME', message);
  }
}

/**
 * Splits a byte stream into frames. Holds at most one frame (≤ `maxFrameBytes`) plus one read;
 * anything that is not a valid frame throws {@link FrameError} before it is buffered.
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
      if (this.#total === 0) {
        const take = Math.min(HEADER_BYTES - this.#held, rest.length);
        this.#hold(rest.subarray(0, take));
        rest = rest.subarray(take);
        const head = Buffer.concat(this.#parts, this.#held);
        this.#parts = [head];
        if (this.#held < HEADER_BYTES) {
          checkMagic(head);
          return frames;
        }
        this.#total = HEADER_BYTES + this.#length(head);
      }
      const take = Math.min(this.#total - this.#held, rest.length);
      if (take > 0) this.#hold(rest.subarray(0, take));
      rest = rest.subarray(take);
      if (this.#held < this.#total) return frames;
      const whole =
        this.#parts.length === 1
          ? (this.#parts[0] as Buffer)
          : Buffer.concat(this.#parts, this.#total);
      this.#parts = [];
      this.#held = 0;
      this.#total = 0;
      frames.push(decodeBody(whole[3] as number, whole.subarray(HEADER_BYTES)));
    }
    let at = 0;
    while (rest.length - at >= HEADER_BYTES) {
      const length = this.#length(at === 0 ? rest : rest.subarray(at));
      if (rest.length - at < HEADER_BYTES + length) break;
      frames.push(
        decodeBody(
          rest[at + 3] as number,
          rest.subarray(at + HEADER_BYTES, at + HEADER_BYTES + length),
        ),
      );
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

  #hold(bytes: Buffer): void {
    this.#parts.push(bytes);
    this.#held += bytes.length;
  }

  // The body length a header announces, once its magic, version and size are checked.
  #length(b: Buffer): number {
    checkMagic(b);
    if (b[2] !== VERSION) throw new FrameError(`unsupported wire version ${b[2]}`);
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

function decodeBody(type: number, body: Buffer): Frame {
  switch (type) {
    case HELLO:
    case WELCOME: {
      let pid: unknown;
      let key: unknown;
      try {
        ({ pid, key } = JSON.parse(body.toString('utf8')) as { pid?: unknown; key?: unknown });
      } catch {
        throw new FrameError('HELLO body is not JSON');
      }
      if (!Number.isInteger(pid)) throw new FrameError('HELLO body has no pid');
      if (key !== undefined && typeof key !== 'string')
        throw new FrameError('HELLO key is not a string');
      return key === undefined ? { type, pid: pid as number } : { type, pid: pid as number, key };
    }
    case ACK:
      if (body.length !== 4) throw new FrameError('ACK body is not 4 bytes');
      return { type, seq: body.readUInt32BE(0) };
    case BATCH:
      return { type, batch: decodeBatch(body) };
    case TEXT:
      return { type, batch: decodeText(body) };
    case BYE:
      if (body.length !== 0) throw new FrameError('BYE body is not empty');
      return { type };
    default:
      throw new FrameError(`unknown frame type ${type}`);
  }
}

function decodeBatch(body: Buffer): Batch {
  if (body.length < 8) throw new FrameError('BATCH body too short');
  const seq = body.readUInt32BE(0);
  const count = body.readUInt32BE(4);
  const records: string[] = [];
  const levels: string[] = [];
  let at = 8;
  for (let i = 0; i < count; i++) {
    const ln = body[at];
    if (ln === undefined || at + 1 + ln + 4 > body.length) throw new FrameError('BATCH truncated');
    levels.push(body.toString('latin1', at + 1, at + 1 + ln));
    at += 1 + ln;
    const n = body.readUInt32BE(at);
    at += 4;
    if (at + n > body.length) throw new FrameError('BATCH record runs past the frame');
    records.push(body.toString('utf8', at, at + n));
    at += n;
  }
  if (at !== body.length) throw new FrameError('BATCH has bytes after its last record');
  return { seq, records, levels };
}

function decodeText(body: Buffer): BytesBatch {
  if (body.length < 9) throw new FrameError('TEXT body too short');
  const seq = body.readUInt32BE(0);
  const count = body.readUInt32BE(4);
  const form = body[8];
  if (form !== 0 && form !== 1) throw new FrameError(`TEXT level form ${form} is unknown`);
  let at = 9;
  const level = (): string => {
    const ln = body[at];
    if (ln === undefined || at + 1 + ln > body.length) throw new FrameError('TEXT truncated');
    const l = body.toString('latin1', at + 1, at + 1 + ln);
    at += 1 + ln;
    return l;
  };
  let levels: string | string[];
  if (form === 0) levels = level();
  else {
    // Every record has at least its level's length byte: a count the frame cannot hold is refused
    // before anything is allocated for it.
    if (count > body.length - at) throw new FrameError('TEXT truncated');
    levels = [];
    for (let i = 0; i < count; i++) levels.push(level());
  }
  if (count * 4 > body.length - at) throw new FrameError('TEXT truncated');
  const lens = new Array<number>(count);
  let units = 0;
  for (let i = 0; i < count; i++, at += 4) {
    const n = body.readUInt32BE(at);
    lens[i] = n;
    units += n;
  }
  // UTF-8 takes 1 to 3 bytes a UTF-16 unit (4 for a pair of them): lengths that cannot be the
  // text's are refused without decoding it.
  const bytes = body.subarray(at);
  if (bytes.length < units || bytes.length > 3 * units) {
    throw new FrameError('TEXT lengths do not add up to its text');
  }
  return { seq, bytes, lens, levels };
}

/** The records of a TEXT frame's batch, as text. */
export function textOfBytes(bb: BytesBatch): TextBatch {
  const text = bb.bytes.toString('utf8');
  let units = 0;
  for (const n of bb.lens) units += n;
  if (units !== text.length) throw new FrameError('TEXT lengths do not add up to its text');
  return { seq: bb.seq, text, lens: bb.lens, levels: bb.levels };
}

/** The message object sent over a Node IPC channel (cluster worker or forked child). */
export type ChannelMessage =
  | {
      fanin: 'ipc';
      v: 1;
      t: 'hello' | 'welcome' | 'bye';
      pid: number;
      /** In a welcome: the writer's private socket for batches, and the key its HELLO needs. */
      sock?: string;
      key?: string;
    }
  | {
      fanin: 'ipc';
      v: 1;
      t: 'batch';
      seq: number;
      /** The records back to back, and each one's length (UTF-16 units). */
      text: string;
      lens: number[];
      /** One level for all records, or one per record. */
      levels: string | string[];
    }
  | { fanin: 'ipc'; v: 1; t: 'ack'; seq: number; token: string };

/**
 * The ack token: ASCII that appears verbatim in the channel's bytes under both of Node's
 * serializations (JSON lines, and V8's, which stores one-byte strings as raw Latin-1), so an
 * exit hook can find acks by reading the channel's descriptor directly.
 */
export const ackToken = (seq: number) => `FNACK:${seq};`;
export const ACK_TOKEN_RE = /FNACK:(\d+);/g;

export function isChannelMessage(m: unknown): m is ChannelMessage {
  return typeof m === 'object' && m !== null && (m as { fanin?: unknown }).fanin === 'ipc';
}

/** A batch as it travels over a channel: one string, so that Node's JSON costs little. */
export interface TextBatch {
  seq: number;
  text: string;
  lens: number[];
  levels: string | string[];
}

/** The channel form of a batch: records joined (JSON parses one string ~4× faster than many). */
export function toTextBatch(batch: Batch): TextBatch {
  const { seq, records, levels } = batch;
  return {
    seq,
    text: records.join(''),
    lens: records.map((r) => r.length),
    levels: compactLevels(levels),
  };
}

/** One level for the whole batch when every record has it (the usual case), else one each. */
export function compactLevels(levels: string[]): string | string[] {
  const first = levels[0] ?? '';
  return levels.every((l) => l === first) ? first : levels;
}

/** The level of each of `n` records, from {@link compactLevels}' form. */
export function levelsOf(levels: string | string[], n: number): string[] {
  return typeof levels === 'string' ? new Array<string>(n).fill(levels) : levels;
}

/** The records of a channel batch, one by one. */
export function fromTextBatch(tb: TextBatch): Batch {
  const records: string[] = [];
  let at = 0;
  for (const n of tb.lens) {
    records.push(tb.text.slice(at, at + n));
    at += n;
  }
  return { seq: tb.seq, records, levels: levelsOf(tb.levels, records.length) };
}

/** Checks a batch received over a channel; throws {@link FrameError} on anything malformed. */
export function checkChannelBatch(m: { [k: string]: unknown }, maxBytes: number): TextBatch {
  const { seq, text, lens, levels } = m;
  if (m.v !== 1) throw new FrameError(`unsupported wire version ${String(m.v)}`);
  if (!Number.isInteger(seq) || typeof text !== 'string' || !Array.isArray(lens)) {
    throw new FrameError('batch message without seq, text or lens');
  }
  if (text.length > maxBytes) {
    throw new FrameError(`batch of ${text.length} chars is over maxFrameBytes`);
  }
  let total = 0;
  for (const n of lens) {
    if (!Number.isInteger(n) || n < 0) throw new FrameError('batch length is not a count');
    total += n;
  }
  if (total !== text.length) throw new FrameError('batch lengths do not add up to its text');
  const perRecord =
    Array.isArray(levels) &&
    levels.length === lens.length &&
    levels.every((l) => typeof l === 'string');
  if (typeof levels !== 'string' && !perRecord) {
    throw new FrameError('batch levels are neither one string nor one per record');
  }
  return { seq: seq as number, text, lens, levels: levels as string | string[] };
}
