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
/** 1 while a producer waits in Atomics.wait on TAIL for room. */
export const PRODUCER_WAITING = 3;
/** 0 running, 1 closing (drain, then stop), 2 the application thread took over. */
export const STATE = 4;
/** The consumer's futex word: bumped by the producer to wake it. */
export const WAKE = 5;
/** Records the consumer has written (mirrored for `stats()`). */
export const WRITTEN = 6;
export const CONTROL_SLOTS = 8;

export const RUNNING = 0;
export const CLOSING = 1;
export const TAKEN_OVER = 2;

const WRAP = -1;
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

  constructor(memory: RingMemory) {
    this.ctrl = new Int32Array(memory.control);
    this.capacity = memory.data.byteLength;
    if (this.capacity & (this.capacity - 1))
      throw new RangeError('ring capacity must be a power of two');
    this.bytes = Buffer.from(memory.data);
    this.words = new Int32Array(memory.data);
  }

  /** Bytes in use (records, headers, padding and wrap waste). */
  used(): number {
    return (Atomics.load(this.ctrl, HEAD) - Atomics.load(this.ctrl, TAIL)) >>> 0;
  }

  /** The largest record a put can ever take. */
  get maxRecord(): number {
    return (this.capacity >>> 1) - 8;
  }

  /**
   * Copies one record in; returns false (copying nothing) when there is no room now. Strings are
   * encoded straight into the shared buffer when their worst case (3 bytes per UTF-16 unit) fits.
   */
  put(record: string | Uint8Array): boolean {
    const head = Atomics.load(this.ctrl, HEAD);
    const free = this.capacity - ((head - Atomics.load(this.ctrl, TAIL)) >>> 0);
    const pos = (head >>> 0) % this.capacity;
    const room = this.capacity - pos;
    const isString = typeof record === 'string';
    const guess = isString ? record.length * 3 : record.byteLength;
    let len = guess;
    if (isString && 4 + guess > Math.min(room, free)) len = Buffer.byteLength(record);
    let at = pos;
    let waste = 0;
    if (4 + len > room) {
      waste = room;
      at = 0;
    }
    if (waste + 4 + align4(len) > free) return false;
    if (waste > 0) this.words[pos >> 2] = WRAP;
    if (isString) len = this.bytes.write(record, at + 4, len, 'utf8');
    else this.bytes.set(record, at + 4);
    this.words[at >> 2] = len;
    Atomics.store(this.ctrl, HEAD, (head + waste + 4 + align4(len)) | 0);
    return true;
  }

  /**
   * Calls `take` with views of the records from the tail, up to about `maxBytes`, and returns
   * the tail after them (not yet published: the caller stores it once they are written).
   */
  peek(maxBytes: number, take: (record: Buffer) => void): number {
    const head = Atomics.load(this.ctrl, HEAD);
    let tail = Atomics.load(this.ctrl, TAIL);
    let taken = 0;
    while (tail !== head && taken < maxBytes) {
      const pos = (tail >>> 0) % this.capacity;
      const len = this.words[pos >> 2] as number;
      if (len === WRAP) {
        tail = (tail + this.capacity - pos) | 0;
        continue;
      }
      take(this.bytes.subarray(pos + 4, pos + 4 + len));
      tail = (tail + 4 + align4(len)) | 0;
      taken += len;
    }
    return tail;
  }

  /**
   * Copies the payloads of the records from the tail into `into`, back to back, as many as fit
   * (at least one: a record larger than `into` comes back alone as a view of the ring). Returns
   * the bytes, how many records they hold, and the tail after them (not yet published).
   */
  copyOut(into: Buffer): { block: Buffer; records: number; tail: number } {
    const head = Atomics.load(this.ctrl, HEAD);
    let tail = Atomics.load(this.ctrl, TAIL);
    let at = 0;
    let records = 0;
    while (tail !== head) {
      const pos = (tail >>> 0) % this.capacity;
      const len = this.words[pos >> 2] as number;
      if (len === WRAP) {
        tail = (tail + this.capacity - pos) | 0;
        continue;
      }
      if (at + len > into.length) {
        if (records > 0) break;
        const block = this.bytes.subarray(pos + 4, pos + 4 + len);
        return { block, records: 1, tail: (tail + 4 + align4(len)) | 0 };
      }
      this.bytes.copy(into, at, pos + 4, pos + 4 + len);
      at += len;
      records++;
      tail = (tail + 4 + align4(len)) | 0;
    }
    return { block: into.subarray(0, at), records, tail };
  }

  /**
   * Publishes a new tail and wakes whoever waits on it: a producer waiting for room, or a
   * `flush()` (Atomics.waitAsync). A notify with no waiter costs a few tens of nanoseconds, once
   * per batch.
   */
  release(tail: number): void {
    Atomics.store(this.ctrl, TAIL, tail);
    Atomics.notify(this.ctrl, TAIL);
  }

  /** Wakes the consumer if it sleeps. */
  wake(): void {
    if (Atomics.load(this.ctrl, CONSUMER_SLEEPING) === 0) return;
    Atomics.add(this.ctrl, WAKE, 1);
    Atomics.notify(this.ctrl, WAKE);
  }
}
