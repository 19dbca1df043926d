import { FaninError } from '@fanin/core';
import type { TextBatch } from './text-batch.js';

// The socket wire format, version 1. Every frame is an 8-byte header and a body:
//   bytes 0–1  magic 0x66 0x6e ("fn")
//   byte  2    version (1)
//   byte  3    type: HELLO, WELCOME, ACK, BYE, TEXT
//   bytes 4–7  body length, u32 big-endian
// HELLO/WELCOME bodies are UTF-8 JSON ({ pid }, and a HELLO on a writer's private socket also
// { key }); BYE has an empty body. A TEXT body (a forwarder's batch: its records already back
// to back) is
//   u32 seq, u32 count, u8 form (0: one level for all, then u8 length + level; 1: per record
//   u8 length + level), then count × u32 record length in UTF-16 units, then the records'
//   UTF-8 bytes to the end of the frame. The writer appends those bytes as they are.
// An ACK body is u32 seq: every batch up to and including seq is in the file (cumulative).
// Type 3 was a BATCH frame that nothing sent; it is refused as an unknown type (0.x).

export const MAGIC0 = 0x66;
export const MAGIC1 = 0x6e;
export const VERSION = 1;
export const HEADER_BYTES = 8;

export const HELLO = 1;
export const WELCOME = 2;
export const ACK = 4;
/** The writer is closing on purpose: elect the next one without reporting an error. */
export const BYE = 5;
export const TEXT = 6;

/** The frame types of version 1. */
export const FRAME_TYPES: ReadonlySet<number> = new Set([HELLO, WELCOME, ACK, BYE, TEXT]);

/**
 * A TEXT frame's batch: the records' UTF-8 bytes back to back (a view into the frame), each
 * record's length in UTF-16 units, and the levels in `compactLevels`' form.
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
  | { type: typeof TEXT; batch: BytesBatch }
  | { type: typeof ACK; seq: number }
  | { type: typeof BYE };

/** A peer broke the protocol; the connection is closed and counted. */
export class FrameError extends FaninError {
  constructor(message: string) {
    super('ERR_FANIN_FRAME', message);
  }
}

/** Writes a frame header (magic, version, `type`, body `length`) at the start of `out`. */
function writeHeader(out: Buffer, type: number, length: number): void {
  out[0] = MAGIC0;
  out[1] = MAGIC1;
  out[2] = VERSION;
  out[3] = type;
  out.writeUInt32BE(length, 4);
}

export function encodeHello(type: typeof HELLO | typeof WELCOME, key?: string): Buffer {
  const body = Buffer.from(
    JSON.stringify(key === undefined ? { pid: process.pid } : { pid: process.pid, key }),
  );
  const out = Buffer.allocUnsafe(HEADER_BYTES + body.length);
  writeHeader(out, type, body.length);
  body.copy(out, HEADER_BYTES);
  return out;
}

export function encodeAck(seq: number): Buffer {
  const f = Buffer.allocUnsafe(HEADER_BYTES + 4);
  writeHeader(f, ACK, 4);
  f.writeUInt32BE(seq >>> 0, HEADER_BYTES);
  return f;
}

export function encodeBye(): Buffer {
  const f = Buffer.allocUnsafe(HEADER_BYTES);
  writeHeader(f, BYE, 0);
  return f;
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

/** The frame of a whole body whose header said `type` (a known one; see FrameDecoder). */
export function decodeBody(type: number, body: Buffer): Frame {
  switch (type) {
    case HELLO:
    case WELCOME:
      return decodeHello(type, body);
    case ACK:
      if (body.length !== 4) throw new FrameError('ACK body is not 4 bytes');
      return { type, seq: body.readUInt32BE(0) };
    case TEXT:
      return { type, batch: decodeText(body) };
    case BYE:
      if (body.length !== 0) throw new FrameError('BYE body is not empty');
      return { type };
    default:
      throw new FrameError(`unknown frame type ${type}`);
  }
}

function decodeHello(type: typeof HELLO | typeof WELCOME, body: Buffer): Frame {
  let pid: unknown;
  let key: unknown;
  try {
    ({ pid, key } = JSON.parse(body.toString('utf8')) as { pid?: unknown; key?: unknown });
  } catch {
    throw new FrameError('HELLO body is not JSON');
  }
  if (!Number.isInteger(pid)) throw new FrameError('HELLO body has no pid');
  if (key !== undefined && typeof key !== 'string') {
    throw new FrameError('HELLO key is not a string');
  }
  return key === undefined ? { type, pid: pid as number } : { type, pid: pid as number, key };
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
