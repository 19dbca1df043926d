import { compactLevels, levelsOf, type TextBatch } from './text-batch.js';

// An unacknowledged batch is kept as one string: records that live until the writer's
// acknowledgement outlast young-generation collections, and one string is far cheaper for the
// collector to copy than a few hundred (a profile of a forwarder spent 45% of its time in GC).
interface Sent extends TextBatch {
  chars: number;
  count: number;
}

/**
 * Pending records joined into one string, with each record's length and level. Records are
 * joined when a chunk reaches `sealChars` (one batch: under load a batch is one chunk, sent
 * as it is) and when a batch is taken ({@link Outbox.seal}), so that a backlog waiting for
 * the window is a few strings, not one object per record surviving collection after collection.
 */
interface Chunk {
  text: string;
  lens: number[];
  /** One level for all its records (the usual case), or one each. */
  levels: string | string[];
  chars: number;
}

/**
 * The forwarder's records: `pending` (not yet sent) and `inFlight` (sent, not yet acknowledged),
 * both counted against one bound. Sizes are UTF-16 lengths: cheap, and within 3× of bytes.
 */
export class Outbox {
  // Pending: sealed chunks (oldest first), then the records of the open one.
  #chunks: Chunk[] = [];
  #open: string[] = [];
  // The open records' level: one for all until a record has another, then one each.
  #openLevel = '';
  #openLevels: string[] | undefined;
  #openChars = 0;
  #pendingRecords = 0;
  #pendingChars = 0;
  #inFlight: Sent[] = [];
  #inFlightChars = 0;
  #inFlightRecords = 0;
  #nextSeq = 1;
  readonly #maxChars: number;
  readonly #sealChars: number;

  constructor(maxBufferBytes: number, sealChars = 32 * 1024) {
    this.#maxChars = maxBufferBytes;
    this.#sealChars = sealChars;
  }

  get pendingRecords(): number {
    return this.#pendingRecords;
  }
  get pendingChars(): number {
    return this.#pendingChars;
  }
  get inFlightRecords(): number {
    return this.#inFlightRecords;
  }
  get inFlightChars(): number {
    return this.#inFlightChars;
  }
  /** The sequence number of the newest batch sent (0 before the first). */
  get lastSeq(): number {
    return this.#nextSeq - 1;
  }
  /** Pending and in-flight characters: what counts against the bound. */
  get usedChars(): number {
    return this.#pendingChars + this.#inFlightChars;
  }
  get empty(): boolean {
    return this.#pendingRecords === 0 && this.#inFlight.length === 0;
  }

  /** Queues a record; false when the bound would be passed. */
  add(record: string, level: string): boolean {
    const chars = this.#pendingChars + this.#inFlightChars + record.length;
    if (chars > this.#maxChars && !this.empty) return false;
    // A chunk holds at most sealChars (one batch), unless one record is larger.
    if (this.#openChars + record.length > this.#sealChars) this.seal();
    const open = this.#open;
    open.push(record);
    if (this.#openLevels) this.#openLevels.push(level);
    else if (open.length === 1) this.#openLevel = level;
    else if (level !== this.#openLevel) {
      this.#openLevels = new Array<string>(open.length - 1).fill(this.#openLevel);
      this.#openLevels.push(level);
    }
    this.#openChars += record.length;
    this.#pendingRecords++;
    this.#pendingChars += record.length;
    return true;
  }

  /** Joins the open records into one chunk. */
  seal(): void {
    const open = this.#open;
    if (open.length === 0) return;
    const lens = new Array<number>(open.length);
    for (let i = 0; i < open.length; i++) lens[i] = (open[i] as string).length;
    this.#chunks.push({
      text: open.length === 1 ? (open[0] as string) : open.join(''),
      lens,
      levels: this.#openLevels ?? this.#openLevel,
      chars: this.#openChars,
    });
    this.#open = [];
    this.#openLevels = undefined;
    this.#openChars = 0;
  }

  /**
   * The next batch to send: pending records up to `maxChars` (at least one). Sends only while
   * at most half the window is in flight, so batches stay large: many small messages would
   * each cost the kernel a buffer of its own and fill the socket long before the window does.
   */
  take(maxChars: number, windowChars: number): TextBatch | undefined {
    if (this.#pendingRecords === 0) return undefined;
    if (this.#inFlight.length > 0 && this.#inFlightChars > windowChars / 2) return undefined;
    // Sealed chunks go first, as they are; the open records once they are all that is left.
    if (this.#chunks.length === 0) this.seal();
    const room = Math.min(maxChars, windowChars - this.#inFlightChars);
    // Whole chunks as they are (the usual case: no per-record work); the first chunk that does
    // not fit is cut at a record boundary (at least one record when the batch is empty).
    const parts: Chunk[] = [];
    let chars = 0;
    let n = 0;
    while (this.#chunks.length > 0) {
      const c = this.#chunks[0] as Chunk;
      if (chars + c.chars <= room) {
        parts.push(c);
        chars += c.chars;
        n += c.lens.length;
        this.#chunks.shift();
        continue;
      }
      let k = 0;
      let kc = 0;
      while (k < c.lens.length) {
        const len = c.lens[k] as number;
        if (chars + kc + len > room && (n > 0 || k > 0)) break;
        kc += len;
        k++;
      }
      if (k === 0) break;
      const levels = c.levels;
      parts.push({
        text: c.text.slice(0, kc),
        lens: c.lens.slice(0, k),
        levels: typeof levels === 'string' ? levels : levels.slice(0, k),
        chars: kc,
      });
      this.#chunks[0] = {
        text: c.text.slice(kc),
        lens: c.lens.slice(k),
        levels: typeof levels === 'string' ? levels : levels.slice(k),
        chars: c.chars - kc,
      };
      chars += kc;
      n += k;
      break;
    }
    const one = parts.length === 1 ? (parts[0] as Chunk) : undefined;
    const sent: Sent = {
      seq: this.#nextSeq++,
      text: one ? one.text : parts.map((p) => p.text).join(''),
      lens: one ? one.lens : parts.flatMap((p) => p.lens),
      levels: one ? one.levels : joinLevels(parts),
      chars,
      count: n,
    };
    this.#pendingRecords -= n;
    this.#pendingChars -= chars;
    this.#inFlight.push(sent);
    this.#inFlightChars += chars;
    this.#inFlightRecords += n;
    return sent;
  }

  /** Every batch up to `seq` is written (acks are cumulative); returns how many records. */
  ack(seq: number): number {
    let n = 0;
    while (this.#inFlight.length > 0 && (this.#inFlight[0] as Sent).seq <= seq) {
      const b = this.#inFlight.shift() as Sent;
      this.#inFlightChars -= b.chars;
      this.#inFlightRecords -= b.count;
      n += b.count;
    }
    return n;
  }

  /** Records in flight in batches after `seq`. */
  inFlightAfter(seq: number): number {
    let n = 0;
    for (const b of this.#inFlight) if (b.seq > seq) n += b.count;
    return n;
  }

  /** Moves every unacknowledged batch back to the front of pending (for a new writer). */
  requeueInFlight(): number {
    const n = this.#inFlightRecords;
    // A sent batch is a chunk already (its text, lengths, levels and size).
    this.#chunks.unshift(...this.#inFlight);
    this.#pendingRecords += n;
    this.#pendingChars += this.#inFlightChars;
    this.#inFlight = [];
    this.#inFlightChars = 0;
    this.#inFlightRecords = 0;
    return n;
  }

  /**
   * Removes and returns every pending record (in-flight ones stay), as chunks: each one string
   * of whole records back to back, with their lengths and levels.
   */
  drainPending(): Chunk[] {
    this.seal();
    const out = this.#chunks;
    this.#chunks = [];
    this.#pendingRecords = 0;
    this.#pendingChars = 0;
    return out;
  }
}

export type { Chunk };

/** The levels of chunks taken together, in {@link compactLevels}' form. */
function joinLevels(parts: Chunk[]): string | string[] {
  const first = parts[0]?.levels ?? '';
  if (parts.every((p) => p.levels === first) && typeof first === 'string') return first;
  return compactLevels(parts.flatMap((p) => levelsOf(p.levels, p.lens.length)));
}
