import { FILE_SINK, type Ring } from './ring.js';

// Characters held back per event-loop turn before they go into the ring as one block.
const PENDING_CHARS = 64 * 1024;

/**
 * The records of one event-loop turn, held on the calling thread and put into the ring as one
 * block entry: one encode and two atomic operations per turn instead of per record. Only once
 * the writer thread has said that its target takes blocks (FILE_SINK: a regular file), only
 * string records, and only while the ring has room for the whole block in the worst case (3 bytes
 * per UTF-16 unit, plus a wrap): that room only grows until the flush, so a record held here is
 * never dropped later, and the full policy is still decided at `write()`, per record. The room
 * is read from the ring once and then counted down here: a lower bound, since the writer thread
 * only frees space, and the hot path reads no shared memory.
 */
export class TurnBlock {
  readonly #ring: Ring;
  readonly #put: (text: string, records: number) => void;
  #pending: string[] = [];
  #chars = 0;
  #roomChars = 0;
  #fileSink = false;

  /** `put` takes the joined block and its record count when the block is flushed. */
  constructor(ring: Ring, put: (text: string, records: number) => void) {
    this.#ring = ring;
    this.#put = put;
  }

  /** Records held now. */
  get held(): number {
    return this.#pending.length;
  }

  /** Holds `record` for the turn's block; false when it must go into the ring on its own. */
  hold(record: string | Uint8Array): boolean {
    if (typeof record !== 'string' || !this.#blocks()) return false;
    if (this.#chars + record.length > PENDING_CHARS) this.flush();
    const chars = this.#chars + record.length;
    if (chars > this.#roomChars) {
      this.#roomChars = (this.#ring.free() >>> 1) / 3 - 8;
      if (chars > this.#roomChars) return false;
    }
    this.#pending.push(record);
    this.#chars = chars;
    return true;
  }

  /**
   * Something else went into the ring (a record on its own, a drop summary): the room counted
   * down here is no longer a lower bound; read it again at the next hold.
   */
  roomChanged(): void {
    this.#roomChars = 0;
  }

  /** Hands the held records over as one block (nothing when none are held). */
  flush(): void {
    const n = this.#pending.length;
    if (n === 0) return;
    const text = n === 1 ? (this.#pending[0] as string) : this.#pending.join('');
    this.#pending.length = 0;
    this.#chars = 0;
    this.#roomChars = 0;
    this.#put(text, n);
  }

  // FILE_SINK is set once, by the writer thread as it starts; after that it is read from here.
  #blocks(): boolean {
    if (this.#fileSink) return true;
    this.#fileSink = Atomics.load(this.#ring.ctrl, FILE_SINK) === 1;
    return this.#fileSink;
  }
}
