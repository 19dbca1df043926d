import { Transform, type TransformCallback } from 'node:stream';
import { parseFrameHeader, startsWithMagic, writerOf } from './record-framing.js';

/** Options of {@link createChunkJoiner}. */
export interface ChunkJoinerOptions {
  /**
   * Bytes of partial records held at once, across all writers. Past it the oldest partial
   * record is dropped and reported, so garbage can never grow memory without bound.
   * @default 67108864 (64 MiB)
   */
  maxPendingBytes?: number;
}

/** A problem the joiner found; each one is counted and emitted once as a `'warning'` event. */
export interface JoinWarning {
  kind: 'garbled' | 'lost-chunk' | 'incomplete' | 'evicted';
  /** Record id when known. */
  id?: string;
  message: string;
}

/** Counters of a joiner, read with `joiner.joinStats()`. */
export interface JoinStats {
  records: number;
  chunks: number;
  garbled: number;
  lostRecords: number;
}

interface Partial {
  id: string;
  next: number;
  parts: Buffer[];
  bytes: number;
}

/** A Transform that restores framed records; see {@link createChunkJoiner}. */
export class ChunkJoiner extends Transform {
  #buf: Buffer = Buffer.alloc(0);
  #atLineStart = true;
  // Inside a garbled chunk whose newline has not arrived yet: drop bytes up to it.
  #skipping = false;
  // Per writer, the record whose chunks are being discarded after one of them was lost.
  readonly #abandoned = new Map<string, string>();
  #pendingBytes = 0;
  readonly #maxPending: number;
  readonly #partials = new Map<string, Partial>();
  readonly #stats: JoinStats = { records: 0, chunks: 0, garbled: 0, lostRecords: 0 };

  constructor(options: ChunkJoinerOptions = {}) {
    super();
    this.#maxPending = options.maxPendingBytes ?? 64 * 1024 * 1024;
  }

  /** Counters so far. */
  joinStats(): JoinStats {
    return { ...this.#stats };
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, chunk]) : chunk;
    this.#consume(false);
    done();
  }

  override _flush(done: TransformCallback): void {
    this.#consume(true);
    for (const p of this.#partials.values()) {
      this.#warn('incomplete', `record ${p.id} ended after ${p.next} chunk(s)`, p.id);
    }
    this.#partials.clear();
    done();
  }

  #consume(atEnd: boolean): void {
    let at = 0;
    const buf = this.#buf;
    while (at < buf.length) {
      if (this.#skipping) {
        const nl = buf.indexOf(0x0a, at);
        if (nl < 0) {
          at = buf.length;
          break;
        }
        this.#skipping = false;
        this.#atLineStart = true;
        at = nl + 1;
        continue;
      }
      const next = this.#atLineStart ? this.#step(buf, at, atEnd) : this.#passLine(buf, at);
      if (next < 0) break;
      at = next;
    }
    this.#buf = buf.subarray(at);
  }

  // At a line start: a frame, or a plain line. Returns the new offset, or -1 to wait for data.
  #step(buf: Buffer, at: number, atEnd: boolean): number {
    const magic = startsWithMagic(buf, at);
    if (magic === 'no' || (magic === 'maybe' && atEnd)) return this.#passLine(buf, at);
    if (magic === 'maybe') return -1;
    const parsed = parseFrameHeader(buf, at);
    if (parsed.state === 'need-more') return atEnd ? this.#skipGarbage(buf, at, 'cut off') : -1;
    if (parsed.state === 'invalid') return this.#skipGarbage(buf, at, parsed.why);
    const end = parsed.payloadStart + parsed.header.length;
    if (end >= buf.length) return atEnd ? this.#skipGarbage(buf, at, 'cut off') : -1;
    if (buf[end] !== 0x0a) return this.#skipGarbage(buf, at, 'no newline after payload');
    this.#chunk(parsed.header.id, parsed.header.index, parsed.header.last, buf, parsed);
    return end + 1;
  }

  #passLine(buf: Buffer, at: number): number {
    const nl = buf.indexOf(0x0a, at);
    const end = nl < 0 ? buf.length : nl + 1;
    this.push(buf.subarray(at, end));
    this.#atLineStart = nl >= 0;
    return end;
  }

  #skipGarbage(buf: Buffer, at: number, why: string): number {
    const nl = buf.indexOf(0x0a, at + 1);
    this.#stats.garbled++;
    this.#warn('garbled', `garbled chunk dropped (${why})`);
    this.#atLineStart = nl >= 0;
    this.#skipping = nl < 0;
    return nl < 0 ? buf.length : nl + 1;
  }

  #chunk(
    id: string,
    index: number,
    last: boolean,
    buf: Buffer,
    p: { payloadStart: number; header: { length: number } },
  ): void {
    this.#stats.chunks++;
    const payload = Buffer.from(buf.subarray(p.payloadStart, p.payloadStart + p.header.length));
    const writer = writerOf(id);
    if (this.#abandoned.get(writer) === id) {
      // The rest of a record already reported lost: discard quietly.
      if (last) this.#abandoned.delete(writer);
      return;
    }
    this.#abandoned.delete(writer);
    let partial = this.#partials.get(writer);
    if (partial && (partial.id !== id || partial.next !== index)) {
      this.#dropPartial(writer, partial, 'lost-chunk', `chunk ${partial.next} never arrived`);
      const sameRecord = partial.id === id;
      partial = undefined;
      if (sameRecord) {
        if (!last) this.#abandoned.set(writer, id);
        return;
      }
    }
    if (!partial) {
      if (index !== 0) {
        this.#stats.lostRecords++;
        this.#warn('lost-chunk', `record ${id} lost its first chunk(s)`, id);
        if (!last) this.#abandoned.set(writer, id);
        return;
      }
      partial = { id, next: 0, parts: [], bytes: 0 };
      this.#partials.set(writer, partial);
    }
    partial.parts.push(payload);
    partial.bytes += payload.length;
    partial.next++;
    this.#pendingBytes += payload.length;
    if (last) {
      this.#partials.delete(writer);
      this.#pendingBytes -= partial.bytes;
      this.#stats.records++;
      this.push(Buffer.concat(partial.parts, partial.bytes));
    } else {
      this.#evictWhileOver();
    }
  }

  #evictWhileOver(): void {
    for (const [writer, p] of this.#partials) {
      if (this.#pendingBytes <= this.#maxPending) return;
      this.#dropPartial(writer, p, 'evicted', 'pending bytes over maxPendingBytes');
    }
  }

  #dropPartial(writer: string, p: Partial, kind: JoinWarning['kind'], why: string): void {
    this.#partials.delete(writer);
    this.#pendingBytes -= p.bytes;
    this.#stats.lostRecords++;
    this.#warn(kind, `record ${p.id} dropped: ${why}`, p.id);
  }

  #warn(kind: JoinWarning['kind'], message: string, id?: string): void {
    if (kind === 'incomplete') this.#stats.lostRecords++;
    const w: JoinWarning = id === undefined ? { kind, message } : { kind, message, id };
    this.emit('warning', w);
  }
}

/**
 * Restores records that writers split into framed chunks (see `frameRecord`) from a stream in
 * which the chunks of many writers interleave. Plain lines pass through untouched. A lost or
 * garbled chunk is counted, emitted once as a `'warning'` event, and never blocks the stream.
 *
 * @example
 * process.stdin.pipe(createChunkJoiner()).on('warning', (w) => console.error(w.message)).pipe(process.stdout);
 */
export function createChunkJoiner(options?: ChunkJoinerOptions): ChunkJoiner {
  return new ChunkJoiner(options);
}
