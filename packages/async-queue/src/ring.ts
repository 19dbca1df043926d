/**
 * A single-producer, single-consumer byte ring in a SharedArrayBuffer: the application thread
 * puts records, the writer thread takes them. Pre-allocated (the LMAX Disruptor's idea: no queue
 * nodes, no locks), so a put allocates nothing and costs one copy and two atomic operations.
 *
 * Layout: records are `[u32 length][payload][pad to 4]`, always contiguous: a record that would
 * cross the end is preceded by a wrap marker (length 0xffffffff) and written at offset 0. Head
 * and tail are free-running byte counters (mod 2^32) in the control array.
 */
export const HEAD = 0;
export const TAIL = 1;
/** 1 while the consumer sleeps in Atomics.wait on WAKE. */
export const CONSUMER_SLEEPING = 2;
/** 1 once the writer thread's target takes a block of records in one write (a regular file). */
export const FILE_SINK = 3;
/** 0 running, 1 closing (drain, then stop), 2 the application thread took over. */
export const STATE = 4;
/** The consumer's futex word: bumped by the producer to wake it. */
export const WAKE = 5;
/** Records the consumer has written (mirrored for `stats()`). */
export const WRITTEN = 6;
/** Who may consume the ring now (see ring-owner.ts). */
export const OWNER = 7;
/** Bumped by the writer thread at each system call and batch: it is alive and working. */
export const BEAT = 8;
/** Bytes of the batch at the tail already in the file (a write failed part-way). */
export const RESUME = 9;
/**
 * Slots 10 and 11 hold, as one 64-bit word, the bytes the writer thread has written (mirrored,
 * like WRITTEN, before the tail moves: `stats().bytes` is current once a flush sees the tail).
 */
const WRITTEN_BYTES_OFFSET = 10 * 4;
export const CONTROL_SLOTS = 12;

export const RUNNING = 0;
export const CLOSING = 1;
export const TAKEN_OVER = 2;

const WRAP = -1;
// A block entry (many records joined, from one event-loop turn) has this bit in its length word
// and a u32 record count before the bytes. Records are at most half the ring, so the bit is free.
const BLOCK = 1 << 30;
const align4 = (n: number) => (n + 3) & ~3;

/** The shared memory of one queue. */
export interface RingMemory {
  control: SharedArrayBuffer;
  data: SharedArrayBuffer;
}

/**
 * Allocates a ring of `capacityBytes` rounded up to a power of two: positions are the
 * free-running 32-bit counters modulo the capacity, which stays continuous where a counter wraps
 * at 2^32 only if the capacity divides 2^32.
 */
export function allocateRing(capacityBytes: number): RingMemory {
  const size = 2 ** Math.ceil(Math.log2(Math.max(capacityBytes, 4096)));
  return {
    control: new SharedArrayBuffer(CONTROL_SLOTS * 4),
    data: new SharedArrayBuffer(size),
  };
}

/** Shared views of a ring, used by both sides. */
export class Ring {
  readonly ctrl: Int32Array;
  readonly capacity: number;
  readonly bytes: Buffer;
  readonly words: Int32Array;
  readonly #writtenBytes: BigInt64Array;

  constructor(memory: RingMemory) {
    this.ctrl = new Int32Array(memory.control);
    this.#writtenBytes = new BigInt64Array(memory.control, WRITTEN_BYTES_OFFSET, 1);
    this.capacity = memory.data.byteLength;
    if (this.capacity & (this.capacity - 1))
      throw new RangeError('ring capacity must be a power of two');
    this.bytes = Buffer.from(memory.data);
    this.words = new Int32Array(memory.data);
  }

  /** Bytes the writer thread has written to its target, all told. */
  get writtenBytes(): number {
    return Number(Atomics.load(this.#writtenBytes, 0));
  }

  /** Writer thread: `bytes` written all told, stored before the tail moves past them. */
  set writtenBytes(bytes: number) {
    Atomics.store(this.#writtenBytes, 0, BigInt(bytes));
  }

  /** Bytes in use (records, headers, padding and wrap waste). */
  used(): number {
    return (Atomics.load(this.ctrl, HEAD) - Atomics.load(this.ctrl, TAIL)) >>> 0;
  }

  /** Bytes free now. */
  free(): number {
    return this.capacity - this.used();
  }

  /** The largest record a put can ever take. */
  get maxRecord(): number {
    return (this.capacity >>> 1) - 8;
  }

  /** Whether `record` is over {@link maxRecord} (UTF-8 takes at most 3 bytes a UTF-16 unit: measured only when it may be). */
  tooLarge(record: string | Uint8Array): boolean {
    const max = this.maxRecord;
    if (typeof record !== 'string') return record.byteLength > max;
    return record.length * 3 > max && Buffer.byteLength(record) > max;
  }

  /**
   * Copies one record in; returns false (copying nothing) when there is no room now. Strings are
   * encoded straight into the shared buffer when their worst case (3 bytes per UTF-16 unit) fits.
   */
  put(record: string | Uint8Array, count = 0): boolean {
    const head = Atomics.load(this.ctrl, HEAD);
    const free = this.capacity - ((head - Atomics.load(this.ctrl, TAIL)) >>> 0);
    const pos = (head >>> 0) % this.capacity;
    const room = this.capacity - pos;
    const isString = typeof record === 'string';
    // A block (count > 0) carries its record count in 4 more bytes before the data.
    const extra = count > 0 ? 4 : 0;
    const guess = isString ? record.length * 3 : record.byteLength;
    let len = guess;
    if (isString && 4 + extra + guess > Math.min(room, free)) len = Buffer.byteLength(record);
    let at = pos;
    let waste = 0;
    if (4 + extra + len > room) {
      waste = room;
      at = 0;
    }
    if (waste + 4 + align4(extra + len) > free) return false;
    if (waste > 0) this.words[pos >> 2] = WRAP;
    if (isString) len = this.bytes.write(record, at + 4 + extra, len, 'utf8');
    else this.bytes.set(record, at + 4 + extra);
    if (count > 0) this.words[(at + 4) >> 2] = count;
    this.words[at >> 2] = count > 0 ? (extra + len) | BLOCK : len;
    Atomics.store(this.ctrl, HEAD, (head + waste + 4 + align4(extra + len)) | 0);
    return true;
  }

  // The entry at `pos`: its data (a record, or a block's records) and how many records it holds.
  #entry(pos: number, word: number): { start: number; end: number; count: number; size: number } {
    if ((word & BLOCK) === 0) return { start: pos + 4, end: pos + 4 + word, count: 1, size: word };
    const total = word & ~BLOCK;
    const count = this.words[(pos + 4) >> 2] as number;
    return { start: pos + 8, end: pos + 4 + total, count, size: total };
  }

  /**
   * Calls `take` with views of the records from the tail, up to about `maxBytes`, and returns
   * the tail after them (not yet published: the caller stores it once they are written).
   */
  peek(maxBytes: number, take: (record: Buffer, count: number) => void): number {
    const head = Atomics.load(this.ctrl, HEAD);
    let tail = Atomics.load(this.ctrl, TAIL);
    let taken = 0;
    while (tail !== head && taken < maxBytes) {
      const pos = (tail >>> 0) % this.capacity;
      const word = this.words[pos >> 2] as number;
      if (word === WRAP) {
        tail = (tail + this.capacity - pos) | 0;
        continue;
      }
      const e = this.#entry(pos, word);
      take(this.bytes.subarray(e.start, e.end), e.count);
      tail = (tail + 4 + align4(e.size)) | 0;
      taken += e.size;
    }
    return tail;
  }

  /**
   * Views (no copy) of the entries from the tail, at most `maxParts` of them and about
   * `maxBytes` (at least one entry), for one writev(2) straight from the shared memory: copying
   * out of a SharedArrayBuffer goes through V8's relaxed (word by word) memmove, about 1.6
   * instructions a byte. Returns them, how many records they hold, and the tail after them (not
   * yet published: the views stay valid until it is).
   */
  blocks(maxBytes: number, maxParts: number): { parts: Buffer[]; records: number; tail: number } {
    const head = Atomics.load(this.ctrl, HEAD);
    let tail = Atomics.load(this.ctrl, TAIL);
    const parts: Buffer[] = [];
    let bytes = 0;
    let records = 0;
    while (tail !== head && parts.length < maxParts) {
      const pos = (tail >>> 0) % this.capacity;
      const word = this.words[pos >> 2] as number;
      if (word === WRAP) {
        tail = (tail + this.capacity - pos) | 0;
        continue;
      }
      const e = this.#entry(pos, word);
      if (parts.length > 0 && bytes + (e.end - e.start) > maxBytes) break;
      parts.push(this.bytes.subarray(e.start, e.end));
      bytes += e.end - e.start;
      records += e.count;
      tail = (tail + 4 + align4(e.size)) | 0;
    }
    return { parts, records, tail };
  }

  /**
   * The calling thread's release, after its take-over wrote a part of the ring: publishes the
   * new tail and wakes whoever waits on it (a `flush()`). The writer thread publishes its
   * batches through ring-owner.ts `publishBatch` instead (which also counts WRITTEN).
   */
  release(tail: number): void {
    Atomics.store(this.ctrl, TAIL, tail);
    Atomics.notify(this.ctrl, TAIL);
  }

  /** Tells the consumer to write what the ring holds and stop. */
  close(): void {
    Atomics.store(this.ctrl, STATE, CLOSING);
    Atomics.add(this.ctrl, WAKE, 1);
    Atomics.notify(this.ctrl, WAKE);
    Atomics.notify(this.ctrl, STATE);
  }

  /**
   * Resolves once the consumer has released everything put before now (the head when called),
   * at `deadline` (a Date.now() time), or once `stop()` says the consumer is gone. Asleep
   * between releases (Atomics.waitAsync on the tail, 100 ms at most at a time).
   */
  async drained(deadline: number, stop: () => boolean): Promise<void> {
    const target = Atomics.load(this.ctrl, HEAD);
    this.wake();
    while (!stop() && ((target - Atomics.load(this.ctrl, TAIL)) | 0) > 0) {
      const left = deadline - Date.now();
      if (left <= 0) return;
      const wait = Atomics.waitAsync(
        this.ctrl,
        TAIL,
        Atomics.load(this.ctrl, TAIL),
        Math.min(left, 100),
      );
      if (wait.async) await wait.value;
    }
  }

  /** Wakes the consumer if it sleeps. */
  wake(): void {
    if (Atomics.load(this.ctrl, CONSUMER_SLEEPING) === 0) return;
    Atomics.add(this.ctrl, WAKE, 1);
    Atomics.notify(this.ctrl, WAKE);
  }
}
