import { fromTextBatch, type TextBatch, toTextBatch } from './wire.js';

// An unacknowledged batch is kept as one string: records that live until the writer's
// acknowledgement outlast young-generation collections, and one string is far cheaper for the
// collector to copy than a few hundred (a profile of a forwarder spent 45% of its time in GC).
interface Sent extends TextBatch {
  chars: number;
  count: number;
}

/**
 * The forwarder's records: `pending` (not yet sent) and `inFlight` (sent, not yet acknowledged),
 * both counted against one bound. Sizes are UTF-16 lengths: cheap, and within 3× of bytes.
 */
export class Outbox {
  #records: string[] = [];
  #levels: string[] = [];
  #pendingChars = 0;
  #inFlight: Sent[] = [];
  #inFlightChars = 0;
  #inFlightRecords = 0;
  #nextSeq = 1;
  readonly #maxChars: number;

  constructor(maxBufferBytes: number) {
    this.#maxChars = maxBufferBytes;
  }

  get pendingRecords(): number {
    return this.#records.length;
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
    return this.#records.length === 0 && this.#inFlight.length === 0;
  }

  /** Queues a record; false when the bound would be passed. */
  add(record: string, level: string): boolean {
    const chars = this.#pendingChars + this.#inFlightChars + record.length;
    if (chars > this.#maxChars && !this.empty) return false;
    this.#records.push(record);
    this.#levels.push(level);
    this.#pendingChars += record.length;
    return true;
  }

  /**
   * The next batch to send: pending records up to `maxChars` (at least one). Sends only while
   * at most half the window is in flight, so batches stay large: many small messages would
   * each cost the kernel a buffer of its own and fill the socket long before the window does.
   */
  take(maxChars: number, windowChars: number): TextBatch | undefined {
    if (this.#records.length === 0) return undefined;
    if (this.#inFlight.length > 0 && this.#inFlightChars > windowChars / 2) return undefined;
    let n = 0;
    let chars = 0;
    const room = Math.min(maxChars, windowChars - this.#inFlightChars);
    while (n < this.#records.length) {
      const c = (this.#records[n] as string).length;
      if (n > 0 && chars + c > room) break;
      chars += c;
      n++;
    }
    const sent: Sent = {
      ...toTextBatch({
        seq: this.#nextSeq++,
        records: this.#records.splice(0, n),
        levels: this.#levels.splice(0, n),
      }),
      chars,
      count: n,
    };
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
    for (let i = this.#inFlight.length - 1; i >= 0; i--) {
      const b = this.#inFlight[i] as Sent;
      const { records, levels } = fromTextBatch(b);
      this.#records.unshift(...records);
      this.#levels.unshift(...levels);
      this.#pendingChars += b.chars;
    }
    this.#inFlight = [];
    this.#inFlightChars = 0;
    this.#inFlightRecords = 0;
    return n;
  }

  /** Removes and returns every pending record (in-flight ones stay). */
  drainPending(): { records: string[]; levels: string[] } {
    const out = { records: this.#records, levels: this.#levels };
    this.#records = [];
    this.#levels = [];
    this.#pendingChars = 0;
    return out;
  }
}
