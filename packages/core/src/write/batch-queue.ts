/** Whole records queued for one write, with the level of each (for per-level loss counts). */
export interface Batch {
  parts: (string | Uint8Array)[];
  /** The level of each record (`undefined` when unknown); empty for blocks. */
  levels: (string | undefined)[];
  /** Blocks from writeBlock (few, large, whole records each): written with one writev. */
  blocks?: boolean;
  bytes: number;
  records: number;
}

const newBatch = (): Batch => ({ parts: [], levels: [], bytes: 0, records: 0 });

/**
 * The batch writer's queue: an open batch that records join until it reaches `batchBytes`,
 * then sealed batches waiting for the target, and the bounded totals of both.
 *
 * @example
 * const q = new BatchQueue(65536);
 * q.add('x\n', 2, 'info');
 * q.seal(); q.first(); // the batch to write
 */
export class BatchQueue {
  readonly #batchBytes: number;
  #batches: Batch[] = [];
  #open: Batch = newBatch();
  /** Records queued (open batch included). */
  records = 0;
  /** Bytes queued (an estimate for strings: their UTF-16 length when short). */
  bytes = 0;

  constructor(batchBytes: number) {
    this.#batchBytes = batchBytes;
  }

  /**
   * Whether the buffer (`maxBufferBytes`) is full for a record of `size`: except that one record
   * larger than the whole buffer is taken when the buffer holds no other such (it is bounded by
   * maxRecordBytes, and written at once).
   */
  fullFor(size: number, maxBufferBytes: number): boolean {
    if (this.bytes === 0 || this.bytes + size <= maxBufferBytes) return false;
    return !(size > maxBufferBytes && this.bytes <= maxBufferBytes);
  }

  /** Whether a record of `size` bytes would take the open batch past `batchBytes`. */
  wouldOverflow(size: number): boolean {
    return this.#open.records > 0 && this.#open.bytes + size > this.#batchBytes;
  }

  /** Adds a record to the open batch; true when the batch is now full. */
  add(record: string | Uint8Array, size: number, level: string | undefined): boolean {
    const open = this.#open;
    open.parts.push(record);
    open.levels.push(level);
    open.bytes += size;
    open.records++;
    this.bytes += size;
    this.records++;
    return open.bytes >= this.#batchBytes;
  }

  /** Queues blocks of whole records as a batch of their own. */
  addBlocks(blocks: Uint8Array[], records: number): void {
    this.seal();
    let bytes = 0;
    for (const b of blocks) bytes += b.byteLength;
    this.#batches.push({ parts: blocks, levels: [], blocks: true, bytes, records });
    this.bytes += bytes;
    this.records += records;
  }

  /** Closes the open batch: it waits behind the others. */
  seal(): void {
    if (this.#open.records === 0) return;
    this.#batches.push(this.#open);
    this.#open = newBatch();
  }

  /** The oldest sealed batch. */
  first(): Batch | undefined {
    return this.#batches[0];
  }

  /** Takes the oldest sealed batch out of the queue (written or dropped). */
  shift(): void {
    const b = this.#batches.shift();
    if (!b) return;
    this.records -= b.records;
    this.bytes -= b.bytes;
  }

  /** Empties the queue; returns what was in it, oldest first. */
  takeAll(): Batch[] {
    this.seal();
    const all = this.#batches;
    this.#batches = [];
    this.records = 0;
    this.bytes = 0;
    return all;
  }
}

// The lines of a block of whole records, each with its newline.
export function linesOf(block: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let start = 0;
  for (let i = block.indexOf(0x0a); i >= 0; i = block.indexOf(0x0a, start)) {
    out.push(block.subarray(start, i + 1));
    start = i + 1;
  }
  if (start < block.byteLength) out.push(block.subarray(start));
  return out;
}
