import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  type BatchWriter,
  type DeadlineOptions,
  FaninError,
  type FlushOutcome,
  LossLedger,
  registerExitFlush,
  StatsCounter,
  type WhenFull,
  type Writer,
  type WriterStats,
  warnOnce,
} from '@fanin/core';
import {
  type AsyncQueueOptions,
  checkAsyncOptions,
  workerOptionsOf,
} from './async-queue-options.js';
import { createFallback } from './fallback.js';
import { queueNotice } from './queue-notice.js';
import {
  allocateRing,
  CLOSING,
  FILE_SINK,
  Ring,
  STATE,
  TAIL,
  TAKEN_OVER,
  WAKE,
  WRITTEN,
} from './ring.js';

const workerFile = path.join(__dirname, 'queue-worker.cjs');
// Characters held back per event-loop turn before they go into the ring as one block.
const PENDING_CHARS = 64 * 1024;

/**
 * The application thread's side of the queue: `write` copies the record into the shared ring
 * and returns (no allocation, no system call in the steady state); a worker thread drains the
 * ring into an append-file or locked-file writer. When the ring is full the record's level picks
 * the policy: drop (counted), block until room, or block at most `blockMs`.
 */
export class AsyncQueueWriter implements Writer {
  readonly #ring: Ring;
  readonly #worker: Worker;
  readonly #o: AsyncQueueOptions;
  readonly #stats = new StatsCounter();
  readonly #ledger: LossLedger;
  readonly #byLevel: Map<string, WhenFull>;
  readonly #unhook: () => void;
  #workerStats: WriterStats | undefined;
  #fallback: BatchWriter | undefined;
  #fallbackWrites = 0;
  #workerAlive = true;
  #closing = false;
  #wakeScheduled = false;
  #puts = 0;
  #pending: string[] = [];
  #pendingChars = 0;
  #roomChars = 0;
  #fileSink = false;
  #takenOver = 0;
  #closed: Promise<void>;
  #ready: Promise<void>;

  constructor(options: AsyncQueueOptions, where = 'createAsyncQueueWriter') {
    checkAsyncOptions(options, where);
    this.#o = options;
    this.#ring = new Ring(allocateRing(options.capacityBytes as number));
    this.#byLevel = new Map(
      Object.entries(options.whenFullByLevel ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
    );
    this.#ledger = new LossLedger(
      options.formatNotice === null ? null : (options.formatNotice ?? queueNotice),
    );
    this.#worker = new Worker(workerFile, {
      workerData: {
        memory: { control: this.#ring.ctrl.buffer, data: this.#ring.words.buffer },
        writer: options.writer ?? 'append',
        options: workerOptionsOf(options),
        batchBytes: (options.batchBytes as number | undefined) ?? 65536,
      },
    });
    this.#worker.unref();
    let ready = () => {};
    this.#ready = new Promise((resolve) => {
      ready = resolve;
    });
    this.#closed = new Promise((resolve) => {
      this.#worker.on(
        'message',
        (m: { type: string; stats?: WriterStats; message?: string; code?: string }) => {
          if (m.type === 'stats') this.#workerStats = m.stats;
          else if (m.type === 'error')
            this.#report(new FaninError('ERR_FANIN_WRITE', m.message ?? ''));
          else if (m.type === 'ready') ready();
          else if (m.type === 'closed') resolve();
        },
      );
      this.#worker.on('error', (err) => this.#workerDied(err));
      this.#worker.on('exit', () => {
        if (!this.#closing) this.#workerDied(new Error('the writer thread exited'));
        ready();
        resolve();
      });
    });
    this.#unhook = options.exitHook === false ? () => {} : registerExitFlush(this);
  }

  /**
   * Resolves once the writer thread runs and has its file open (or has died: writing then goes
   * through this thread). Records logged before are kept in the ring meanwhile; awaiting this only
   * keeps the thread's start-up (loading modules, opening the file) out of a measurement.
   */
  ready(): Promise<void> {
    return this.#ready;
  }

  /** The writer thread (to monitor it; if it dies, writing falls back to this thread). */
  get thread(): Worker {
    return this.#worker;
  }

  write(record: string | Uint8Array, level?: string): boolean {
    if (this.#closing) return this.#drop('closed', level);
    if (typeof record !== 'string' && !(record instanceof Uint8Array))
      return this.#drop('invalid-record', level);
    if (this.#tooLarge(record)) {
      this.#flushPending();
      return this.#writeLarge(record);
    }
    if (this.#workerAlive && this.#pend(record)) return true;
    this.#flushPending();
    if (!this.#workerAlive) return this.#viaFallback(record);
    if (this.#ring.put(record)) return this.#queued();
    const policy = this.#byLevel.get(level?.toLowerCase() ?? '') ?? this.#o.whenFull ?? 'block';
    if (
      policy !== 'drop' &&
      this.#waitForRoom(record, policy === 'block' ? Number.POSITIVE_INFINITY : policy.blockMs)
    ) {
      return true;
    }
    return this.#drop('queue-full', level);
  }

  #queued(): boolean {
    this.#puts++;
    if (this.#ring.used() > this.#ring.capacity >>> 2) this.#ring.wake();
    else this.#scheduleWake();
    this.#maybeNotice();
    return true;
  }

  // One wake-up per event-loop turn, not per record: the writer thread drains in batches. The
  // records held back in this turn go into the ring first, as one block.
  #scheduleWake(): void {
    if (this.#wakeScheduled) return;
    this.#wakeScheduled = true;
    setImmediate(() => {
      this.#wakeScheduled = false;
      this.#flushPending();
      this.#ring.wake();
    });
  }

  // When the writer thread writes blocks to a regular file (FILE_SINK), string records of one
  // turn are held here and put into the ring as one block: one encode and two atomic operations
  // per turn instead of per record. Only while the ring has room for the whole block in the worst
  // case (3 bytes per UTF-16 unit, plus a wrap): that room only grows until the flush, so a record
  // accepted here is never dropped later, and the full policy is decided now, per record. The
  // room is read from the ring once and then counted down here (`#roomChars`): it is a lower
  // bound, since the writer thread only frees space, and the hot path reads no shared memory.
  #pend(record: string | Uint8Array): boolean {
    if (typeof record !== 'string' || !this.#blocks()) return false;
    if (this.#pendingChars + record.length > PENDING_CHARS) this.#flushPending();
    const chars = this.#pendingChars + record.length;
    if (chars > this.#roomChars) {
      this.#roomChars = (this.#ring.free() >>> 1) / 3 - 8;
      if (chars > this.#roomChars) return false;
    }
    this.#pending.push(record);
    this.#pendingChars = chars;
    this.#puts++;
    if (!this.#wakeScheduled) this.#scheduleWake();
    return true;
  }

  // FILE_SINK is set once, by the writer thread as it starts; after that it is read from here.
  #blocks(): boolean {
    if (this.#fileSink) return true;
    this.#fileSink = Atomics.load(this.#ring.ctrl, FILE_SINK) === 1;
    return this.#fileSink;
  }

  #flushPending(): void {
    const n = this.#pending.length;
    if (n === 0) return;
    const text = n === 1 ? (this.#pending[0] as string) : this.#pending.join('');
    this.#pending.length = 0;
    this.#pendingChars = 0;
    this.#roomChars = 0;
    if (this.#workerAlive && this.#ring.put(text, n)) {
      if (this.#ring.used() > this.#ring.capacity >>> 2) this.#ring.wake();
      return;
    }
    // The writer thread is gone (or, against the room check, the block did not fit): keep order
    // by writing what the ring holds first, then the block, from this thread.
    if (this.#workerAlive) this.#drainRingSync(this.#o.exitTimeoutMs ?? 2000);
    this.#fallback ??= createFallback(this.#o, (e) => this.#report(e));
    this.#fallback.writeBlock(Buffer.from(text), n);
    this.#fallback.flushSync();
  }

  // Over half the ring (UTF-8 takes at most 3 bytes per UTF-16 unit: count only when it may be).
  #tooLarge(record: string | Uint8Array): boolean {
    const max = this.#ring.maxRecord;
    if (typeof record !== 'string') return record.byteLength > max;
    return record.length * 3 > max && Buffer.byteLength(record) > max;
  }

  // Waits (Atomics.wait on the tail) until the record fits, for at most `ms`. A blocked thread
  // never sees the Worker's 'exit' event (that needs an event-loop turn), so a tail that has not
  // moved for exitTimeoutMs means the writer thread is dead or stuck: take over, write here.
  #waitForRoom(record: string | Uint8Array, ms: number): boolean {
    const deadline = Date.now() + ms;
    const stuckAfter = this.#o.exitTimeoutMs ?? 2000;
    const ctrl = this.#ring.ctrl;
    let tail = Atomics.load(ctrl, TAIL);
    let moved = Date.now();
    for (;;) {
      if (this.#ring.put(record)) return this.#queued();
      if (!this.#workerAlive) return this.#viaFallback(record);
      const now = Date.now();
      if (now >= deadline) return false;
      if (now - moved > stuckAfter) {
        this.#takeOver();
        return this.#viaFallback(record);
      }
      this.#ring.wake();
      Atomics.wait(ctrl, TAIL, tail, Math.min(deadline - now, 50));
      const next = Atomics.load(ctrl, TAIL);
      if (next !== tail) {
        tail = next;
        moved = Date.now();
      }
    }
  }

  // Larger than half the ring: keep order by letting the ring drain, then write it here, whole.
  #writeLarge(record: string | Uint8Array): boolean {
    this.#drainRingSync(this.#o.exitTimeoutMs ?? 2000);
    this.#fallbackWrites++;
    return this.#viaFallback(record);
  }

  #viaFallback(record: string | Uint8Array): boolean {
    this.#fallback ??= createFallback(this.#o, (e) => this.#report(e));
    const ok = this.#fallback.write(record);
    this.#fallback.flushSync();
    return ok;
  }

  #drop(reason: string, level?: string): false {
    this.#stats.drop(reason, 1, level);
    this.#ledger.add(reason, 1, level);
    return false;
  }

  #maybeNotice(): void {
    const text = this.#ledger.due(false, this.#o.noticeIntervalMs ?? 5000);
    if (text !== undefined && this.#ring.put(text)) this.#ledger.written();
  }

  /** Waits for the writer thread to empty the ring; takes over after `ms` if it does not. */
  #drainRingSync(ms: number): void {
    const deadline = Date.now() + ms;
    const ctrl = this.#ring.ctrl;
    while (this.#workerAlive && this.#ring.used() > 0 && Date.now() < deadline) {
      this.#ring.wake();
      Atomics.wait(
        ctrl,
        TAIL,
        Atomics.load(ctrl, TAIL),
        Math.min(20, Math.max(1, deadline - Date.now())),
      );
    }
    if (this.#ring.used() > 0) this.#takeOver();
  }

  // The writer thread is gone or stuck: write what is left in the ring from this thread, then
  // what was held back for it.
  #takeOver(): void {
    Atomics.store(this.#ring.ctrl, STATE, TAKEN_OVER);
    this.#workerAlive = false;
    this.#fallback ??= createFallback(this.#o, (e) => this.#report(e));
    const fallback = this.#fallback;
    while (this.#ring.used() > 0) {
      let n = 0;
      const tail = this.#ring.peek(1 << 20, (r, count) => {
        if (count > 1) fallback.writeBlock(Buffer.from(r), count);
        else fallback.write(Buffer.from(r));
        n += count;
      });
      fallback.flushSync();
      this.#ring.release(tail);
      this.#takenOver += n;
    }
    this.#takenOver += this.#pending.length;
    this.#flushPending();
  }

  #workerDied(err: Error): void {
    if (!this.#workerAlive) return;
    this.#report(
      new FaninError(
        'ERR_FANIN_WRITE',
        `fanin: the async-queue writer thread died (${err.message}); writing synchronously from now on`,
        { cause: err },
      ),
    );
    this.#takeOver();
  }

  flushSync(): FlushOutcome {
    this.#flushPending();
    const before = this.#written();
    if (this.#workerAlive) this.#drainRingSync(this.#o.exitTimeoutMs ?? 2000);
    else this.#takeOver();
    this.#fallback?.flushSync();
    return { written: this.#written() - before, abandoned: 0, timedOut: false };
  }

  async flush(options: DeadlineOptions = {}): Promise<FlushOutcome> {
    this.#flushPending();
    const before = this.#written();
    const deadline = Date.now() + (options.timeoutMs ?? Number.POSITIVE_INFINITY);
    const target = Atomics.load(this.#ring.ctrl, 0);
    const ctrl = this.#ring.ctrl;
    this.#ring.wake();
    while (this.#workerAlive && ((target - Atomics.load(ctrl, TAIL)) | 0) > 0) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      const tail = Atomics.load(ctrl, TAIL);
      const wait = Atomics.waitAsync(ctrl, TAIL, tail, Math.min(left, 100));
      if (wait.async) await wait.value;
    }
    if (!this.#workerAlive) this.#takeOver();
    this.#fallback?.flushSync();
    const abandoned = this.#workerAlive ? Math.max(0, this.#puts - Atomics.load(ctrl, WRITTEN)) : 0;
    return { written: this.#written() - before, abandoned, timedOut: abandoned > 0 };
  }

  async close(options: DeadlineOptions = {}): Promise<FlushOutcome> {
    const outcome = await this.flush({ timeoutMs: options.timeoutMs ?? 10_000 });
    this.#closing = true;
    Atomics.store(this.#ring.ctrl, STATE, CLOSING);
    Atomics.add(this.#ring.ctrl, WAKE, 1);
    Atomics.notify(this.#ring.ctrl, WAKE);
    Atomics.notify(this.#ring.ctrl, STATE);
    if (this.#workerAlive) await this.#closed;
    else await this.#worker.terminate();
    await this.#fallback?.close();
    this.#unhook();
    if (outcome.abandoned > 0) this.#stats.drop('close-timeout', outcome.abandoned);
    return outcome;
  }

  stats(): WriterStats {
    const w = this.#workerStats;
    const f = this.#fallback?.stats();
    const main = this.#stats.snapshot(0, 0);
    const sum = (
      k:
        | 'records'
        | 'bytes'
        | 'writeErrors'
        | 'retries'
        | 'rotations'
        | 'reopenings'
        | 'chunkedRecords',
    ) => (w?.[k] ?? 0) + (f?.[k] ?? 0) + (k === 'records' || k === 'bytes' ? 0 : main[k]);
    const byReason = { ...main.dropped.byReason };
    for (const s of [w, f])
      for (const [r, n] of Object.entries(s?.dropped.byReason ?? {}))
        byReason[r] = (byReason[r] ?? 0) + n;
    return {
      records: Math.max(sum('records'), Atomics.load(this.#ring.ctrl, WRITTEN) + (f?.records ?? 0)),
      bytes: sum('bytes'),
      dropped: {
        total: Object.values(byReason).reduce((a, b) => a + b, 0),
        byReason,
        byLevel: main.dropped.byLevel,
      },
      writeErrors: sum('writeErrors'),
      retries: sum('retries'),
      rotations: sum('rotations'),
      reopenings: sum('reopenings'),
      chunkedRecords: sum('chunkedRecords'),
      queueDepth: Math.max(
        0,
        this.#puts - Atomics.load(this.#ring.ctrl, WRITTEN) - this.#takenOver,
      ),
      queueBytes: this.#ring.used(),
      queue: {
        capacityBytes: this.#ring.capacity,
        usedBytes: this.#ring.used(),
        fallbackWrites: this.#fallbackWrites,
        workerAlive: this.#workerAlive,
      },
    };
  }

  onWritten(callback: () => void): void {
    void this.flush().then(callback, callback);
  }

  noteDropped(reason: string, records: number, level?: string): void {
    this.#stats.drop(reason, records, level);
    this.#ledger.add(reason, records, level);
  }

  #written(): number {
    return Atomics.load(this.#ring.ctrl, WRITTEN) + (this.#fallback?.stats().records ?? 0);
  }

  #report(err: FaninError): void {
    try {
      (this.#o.onError ?? warnOnce)(err);
    } catch {
      // A throwing onError must not break logging.
    }
  }
}
