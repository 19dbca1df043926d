import { threadId } from 'node:worker_threads';

/**
 * The largest write a pipe keeps whole. pipe(7): "POSIX.1 says that writes of less than
 * PIPE_BUF bytes must be atomic ... On Linux, PIPE_BUF is 4096 bytes."
 */
export const PIPE_BUF = 4096;

/**
 * Every chunk starts with this: the ASCII record separator (0x1e), which no text log line starts
 * with, then a format name and version.
 */
export const FRAME_MAGIC = '\x1efanin1:';
const MAGIC_BYTES = Buffer.from(FRAME_MAGIC, 'latin1');

/** The parts of one chunk's header. */
export interface FrameHeader {
  /** `<pid>.<threadId>.<seq>` in base 36: unique across the processes and threads on a host. */
  id: string;
  /** 0 for the first chunk of a record. */
  index: number;
  /** True on the record's last chunk. */
  last: boolean;
  /** Payload bytes in this chunk. */
  length: number;
}

/**
 * Makes record ids unique across processes and threads of a host: pid, thread id and a
 * per-writer sequence, all in base 36.
 */
export function createRecordIdSource(): () => string {
  const prefix = `${process.pid.toString(36)}.${threadId.toString(36)}.`;
  let seq = 0;
  return () => prefix + (seq++).toString(36);
}

/** The part of a record id that names its writer (everything before the last dot). */
export function writerOf(id: string): string {
  return id.slice(0, id.lastIndexOf('.'));
}

// Header digits reserved for the chunk index: 7 digits cover records of 40 GB at 4 KiB chunks.
const INDEX_DIGITS = 7;

/**
 * Splits one record into framed chunks of at most `maxChunkBytes` each, so that each chunk can
 * be written with one `write(2)` that a pipe keeps whole. Chunk layout (all ASCII but the payload):
 * `\x1efanin1:<id>:<index>:<L|M>:<length>:<payload>\n` — `L` marks the last chunk.
 *
 * @example
 * const chunks = frameRecord(Buffer.from(big), nextId(), PIPE_BUF);
 * for (const c of chunks) fs.writeSync(fd, c);
 */
export function frameRecord(record: Uint8Array, id: string, maxChunkBytes = PIPE_BUF): Buffer[] {
  const overhead = MAGIC_BYTES.length + id.length + INDEX_DIGITS + String(maxChunkBytes).length + 6;
  const capacity = maxChunkBytes - overhead;
  if (capacity < 64) {
    throw new RangeError(`maxChunkBytes ${maxChunkBytes} leaves no room for a payload`);
  }
  const chunks: Buffer[] = [];
  let index = 0;
  for (let at = 0; at < record.byteLength || index === 0; at += capacity) {
    const payload = record.subarray(at, Math.min(at + capacity, record.byteLength));
    const last = at + capacity >= record.byteLength;
    const head = `${FRAME_MAGIC}${id}:${index}:${last ? 'L' : 'M'}:${payload.byteLength}:`;
    const chunk = Buffer.allocUnsafe(Buffer.byteLength(head, 'latin1') + payload.byteLength + 1);
    const n = chunk.write(head, 0, 'latin1');
    chunk.set(payload, n);
    chunk[chunk.length - 1] = 0x0a;
    chunks.push(chunk);
    index++;
  }
  return chunks;
}

/** Result of {@link parseFrameHeader}: the header and where its payload starts. */
export type HeaderParse =
  | { state: 'ok'; header: FrameHeader; payloadStart: number }
  | { state: 'need-more' }
  | { state: 'invalid'; why: string };

// Longest header we accept before calling it garbage: magic, id (< 40), index, flag, length.
const MAX_HEADER = 96;

/**
 * Parses a chunk header at `start` of `buf`. `buf[start]` must begin with {@link FRAME_MAGIC}
 * (check with {@link startsWithMagic}).
 */
export function parseFrameHeader(buf: Uint8Array, start: number): HeaderParse {
  const fields: string[] = [];
  let fieldStart = start + MAGIC_BYTES.length;
  for (let i = fieldStart; i < buf.length; i++) {
    if (i - start > MAX_HEADER) return { state: 'invalid', why: 'header too long' };
    if (buf[i] !== 0x3a) continue;
    fields.push(Buffer.from(buf.buffer, buf.byteOffset + fieldStart, i - fieldStart).toString());
    fieldStart = i + 1;
    if (fields.length === 4) return headerFrom(fields, i + 1);
  }
  return buf.length - start > MAX_HEADER
    ? { state: 'invalid', why: 'header too long' }
    : { state: 'need-more' };
}

function headerFrom(fields: string[], payloadStart: number): HeaderParse {
  const [id = '', index = '', flag = '', length = ''] = fields;
  if (!/^[0-9a-z]+\.[0-9a-z]+\.[0-9a-z]+$/.test(id)) return { state: 'invalid', why: 'bad id' };
  if (!/^\d{1,7}$/.test(index)) return { state: 'invalid', why: 'bad index' };
  if (flag !== 'L' && flag !== 'M') return { state: 'invalid', why: 'bad flag' };
  if (!/^\d{1,9}$/.test(length)) return { state: 'invalid', why: 'bad length' };
  return {
    state: 'ok',
    header: { id, index: Number(index), last: flag === 'L', length: Number(length) },
    payloadStart,
  };
}

/**
 * Whether `buf` holds the frame magic at `start`: `'yes'`, `'no'`, or `'maybe'` when the buffer
 * ends inside a prefix of it.
 */
export function startsWithMagic(buf: Uint8Array, start: number): 'yes' | 'no' | 'maybe' {
  for (let i = 0; i < MAGIC_BYTES.length; i++) {
    if (start + i >= buf.length) return 'maybe';
    if (buf[start + i] !== MAGIC_BYTES[i]) return 'no';
  }
  return 'yes';
}
