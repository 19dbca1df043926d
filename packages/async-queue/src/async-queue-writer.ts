import type { Worker } from 'node:worker_threads';
import {
  type DeadlineOptions,
  FaninError,
  type FlushOutcome,
  registerExitFlush,
  type WhenFull,
  type Writer,
  type WriterStats,
} from '@fanin/core';
import { EndOfTurn, recordSize } from '@fanin/core/internal';
import {
  type AsyncQueueOptions,
  checkAsyncOptions,
  workerOptionsOf,
} from './async-queue-options.js';
import { QueueAccount } from './queue-account.js';
import { allocateRing, Ring, WRITTEN } from './ring.js';
import { TakeOver } from './take-over.js';
import { TurnBlock } from './turn-block.js';
import { startWriterThread, type WriterThread } from './writer-thread.js';

/**
 * The application thread's side of the queue: `write` copies the record into the shared ring
 * and returns (no allocation, no system call in the steady state); a worker thread drains the
 * ring into an append-file or locked-file writer. When the ring is full the record's level picks
 * the policy: drop (counted), block until room, or block at most `blockMs`.
 *
 * @example
 * const writer = new AsyncQueueWriter({ filename: 'logs/app.log', whenFull: 'drop' });
 * writer.write('{"msg":"hello"}\n', 'info');
 * await writer.close();
 */
export class AsyncQueueWriter implements Writer {
  readonly #ring: Ring;
  readonly #thread: WriterThread;
  readonly #o: AsyncQueueOptions;
  readonly #account: QueueAccount;
  readonly #takeOver: TakeOver;
  readonly #turn: TurnBlock;
  // One wake-up per event-loop turn, not per record: the writer thread drains in batches. The
  // records held back in this turn go into the ring first, as one block.
  readonly #wake = new EndOfTurn(() => {
    this.#turn.flush();
    this.#ring.wake();
  });
  readonly #byLevel: Map<string, WhenFull>;
  readonly #unhook: () => void;
  readonly #maxRecordBytes: number;
  #workerStats: WriterStats | undefined;
  #closing = false;
  #puts = 0;

  constructor(options: AsyncQueueOptions, where = 'createAsyncQueueWriter') {
    checkAsyncOptions(options, where);
    this.#o = options;
    const memory = allocateRing(options.capacityBytes as number);
    this.#ring = new Ring(memory);
    this.#byLevel = new Map(
      Object.entries(options.whenFullByLevel ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
    );
    this.#account = new QueueAccount(options);
    this.#maxRecordBytes = options.maxRecordBytes ?? 64 * 1024 * 1024;
    this.#takeOver = new TakeOver(this.#ring, options, this.#account);
    this.#turn = new TurnBlock(this.#ring, (text, n) => this.#putBlock(text, n));
    this.#thread = startWriterThread(
      {
        memory,
        writer: options.writer ?? 'append',
        options: workerOptionsOf(options),
        batchBytes: (options.batchBytes as number | undefined) ?? 65536,
        fileEvents: options.onFileEvent !== undefined,
      },
      {
        stats: (s) => {
          this.#workerStats = s;
        },
        error: (e) => this.#account.report(e),
        fileEvent: (e) => this.#o.onFileEvent?.(e),
        died: (e) => this.#workerDied(e),
      },
      () => this.#closing,
    );
    this.#unhook = options.exitHook === false ? () => {} : registerExitFlush(this);
  }

  /**
   * Resolves once the writer thread runs and has its file open (or has died: writing then goes
   * through this thread). Records logged before are kept in the ring meanwhile; awaiting this only
   * keeps the thread's start-up (loading modules, opening the file) out of a measurement.
   */
  ready(): Promise<void> {
    // Held: a caller awaiting it must not see the process end first (the thread is unref'd).
    return this.#thread.holding(() => this.#thread.ready);
  }

  /** The writer thread (to monitor it; if it dies, writing falls back to this thread). */
  get thread(): Worker {
    return this.#thread.worker;
  }

  write(record: string | Uint8Array, level?: string): boolean {
    if (this.#closing) return this.#drop('closed', level, 'the writer is closed');
    if (typeof record !== 'string' && !(record instanceof Uint8Array)) {
      return this.#drop('invalid-record', level, `a record must be a string or Uint8Array`);
    }
    const size = recordSize(record, this.#maxRecordBytes);
    if (size > this.#maxRecordBytes) {
      const why = `a record of ${size} bytes is over maxRecordBytes (${this.#maxRecordBytes})`;
      return this.#drop('oversize', level, why);
    }
    if (this.#ring.tooLarge(record)) {
      this.#turn.flush();
      return this.#takeOver.writeLarge(record);
    }
    if (!this.#takeOver.taken && this.#turn.hold(record)) {
      this.#puts++;
      this.#wake.schedule();
      return true;
    }
    this.#turn.flush();
    if (this.#takeOver.taken) return this.#takeOver.write(record);
    if (this.#ring.put(record)) return this.#queued();
    const policy = this.#byLevel.get(level?.toLowerCase() ?? '') ?? this.#o.whenFull ?? 'block';
    if (policy !== 'drop') {
      const got = this.#takeOver.waitForRoom(
        record,
        policy === 'block' ? Infinity : policy.blockMs,
      );
      if (got === 'put') return this.#queued();
      if (got === 'taken') return this.#takeOver.write(record);
    }
    const why = `the ring is full (capacityBytes ${this.#ring.capacity})`;
    return this.#drop('queue-full', level, why, true);
  }

  #queued(): boolean {
    this.#puts++;
    this.#turn.roomChanged();
    if (this.#ring.used() > this.#ring.capacity >>> 2) this.#ring.wake();
    else this.#wake.schedule();
    this.#maybeNotice();
    return true;
  }

  // The turn's held records, as one ring entry; if the ring is no longer the writer thread's
  // (or, against the room check, the block does not fit), written from here after what the ring
  // holds, in order.
  #putBlock(text: string, n: number): void {
    if (!this.#takeOver.taken && this.#ring.put(text, n)) {
      if (this.#ring.used() > this.#ring.capacity >>> 2) this.#ring.wake();
      this.#maybeNotice();
      return;
    }
    if (!this.#takeOver.taken) this.#takeOver.drainRing(false);
    this.#takeOver.takenOver += n;
    this.#takeOver.write(text, n);
  }

  #drop(reason: string, level: string | undefined, why: string, outage = false): false {
    this.#account.drop({
      reason,
      records: 1,
      level,
      why: `record dropped (${reason}): ${why}`,
      outage,
    });
    return false;
  }

  // After a put: a full ring's episode may end, and a due loss notice goes in behind the record
  // (through the ring, or from this thread once it writes for itself).
  #maybeNotice(now = false): void {
    this.#account.succeeded();
    const text = this.#account.notice(now);
    if (text === undefined) return;
    if (this.#takeOver.taken ? !this.#takeOver.write(text) : !this.#ring.put(text)) return;
    this.#account.noticeWritten();
    this.#turn.roomChanged();
  }

  #workerDied(err: Error): void {
    if (this.#takeOver.taken) return;
    this.#account.report(
      new FaninError(
        'ERR_FANIN_WRITE',
        `fanin: the async-queue writer thread died (${err.message}); writing synchronously from now on`,
        { cause: err },
      ),
    );
    this.#takeOver.takeForGood();
    this.#takeOver.takenOver += this.#turn.held;
    this.#turn.flush();
  }

  /**
   * Writes everything queued before returning (the exit hook calls it): waits for the writer
   * thread (while it shows life, up to twice `exitTimeoutMs`), then writes the rest from this
   * thread. `abandoned` counts the records this thread could not write then (a full disk).
   */
  flushSync(): FlushOutcome {
    return this.flushAtSignal(Number.POSITIVE_INFINITY);
  }

  /**
   * At a signal: {@link flushSync}, the writer thread waited for until `deadlineAt` only; then
   * this thread takes the ring between two of its batches and writes the rest.
   */
  flushAtSignal(deadlineAt: number): FlushOutcome {
    this.#turn.flush();
    const before = this.#written();
    const dropped = () => this.#takeOver.fallbackStats()?.dropped.total ?? 0;
    const droppedBefore = dropped();
    if (!this.#takeOver.taken) this.#takeOver.drainRing(true, deadlineAt);
    // What the calling thread could not write now (a full disk, say) is lost with the process.
    const abandoned = this.#takeOver.flushSync() + dropped() - droppedBefore;
    return { written: this.#written() - before, abandoned, timedOut: abandoned > 0 };
  }

  /** After the signal flush (the ring is empty): each record is written before write() returns. */
  writeThrough(): void {
    this.#turn.flush();
    this.#takeOver.takeForGood();
  }

  flush(options: DeadlineOptions = {}): Promise<FlushOutcome> {
    return this.#thread.holding(() => this.#flush(options));
  }

  async #flush(options: DeadlineOptions): Promise<FlushOutcome> {
    this.#turn.flush();
    const before = this.#written();
    const deadline = Date.now() + (options.timeoutMs ?? Number.POSITIVE_INFINITY);
    await this.#ring.drained(deadline, () => this.#takeOver.taken);
    const abandoned = this.#takeOver.flushSync() + (this.#takeOver.taken ? 0 : this.#depth());
    return { written: this.#written() - before, abandoned, timedOut: abandoned > 0 };
  }

  close(options: DeadlineOptions = {}): Promise<FlushOutcome> {
    return this.#thread.holding(() => this.#close(options));
  }

  // The writer thread writes what the ring still holds before it stops, deadline or not: only
  // what is left after that (the thread died meanwhile) is abandoned, and counted.
  async #close(options: DeadlineOptions): Promise<FlushOutcome> {
    const before = this.#written();
    await this.#flush({ timeoutMs: options.timeoutMs ?? 10_000 });
    this.#closing = true;
    // The losses not yet noted go into the log before the writer thread's last drain.
    this.#maybeNotice(true);
    this.#ring.close();
    if (!this.#takeOver.taken) await this.#thread.closed;
    else await this.#thread.worker.terminate();
    const abandoned = this.#depth() + this.#takeOver.flushSync();
    await this.#takeOver.close();
    this.#unhook();
    const why = `${abandoned} records abandoned at close`;
    this.#account.drop({ reason: 'close-timeout', records: abandoned, why });
    this.#account.finish();
    return { written: this.#written() - before, abandoned, timedOut: abandoned > 0 };
  }

  stats(): WriterStats {
    return this.#account.stats({
      worker: this.#workerStats,
      fallback: this.#takeOver.fallbackStats(),
      written: Atomics.load(this.#ring.ctrl, WRITTEN),
      writtenBytes: this.#ring.writtenBytes,
      queueDepth: this.#depth(),
      capacityBytes: this.#ring.capacity,
      usedBytes: this.#ring.used(),
      fallbackWrites: this.#takeOver.fallbackWrites,
      workerAlive: !this.#takeOver.taken,
    });
  }

  // Not held (unlike flush()): waiting to emit winston's 'logged' must not keep the process alive.
  onWritten(callback: () => void): void {
    void this.#flush({}).then(callback, callback);
  }

  noteDropped(reason: string, records: number, level?: string, why?: string): void {
    this.#account.drop({ reason, records, level, why, reported: why === undefined });
  }

  // Records put in the ring (or held for it) and not yet written by the writer thread nor taken
  // out of it by this one.
  #depth(): number {
    const left = this.#puts - Atomics.load(this.#ring.ctrl, WRITTEN) - this.#takeOver.takenOver;
    return Math.max(0, left);
  }

  #written(): number {
    return Atomics.load(this.#ring.ctrl, WRITTEN) + (this.#takeOver.fallbackStats()?.records ?? 0);
  }
}
