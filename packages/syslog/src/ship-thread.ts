import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { FaninError, type FaninErrorCode } from '@fanin/core';
import { ShipGauge } from './ship-gauge.js';
import type { ShipWorkerData, ToShipper } from './ship-worker.js';
import type { ShipperCounters } from './shipper-options.js';
import type { Spool } from './spool.js';

const workerFile = path.join(__dirname, 'ship-worker.cjs');

type FromShipper =
  | { type: 'error'; code: string; message: string }
  | { type: 'refused' }
  | { type: 'died'; message: string }
  | { type: 'hold'; on: boolean; requests: number }
  | { type: 'settled'; id: number; done: boolean }
  | { type: 'closed' };

/** What the shipper thread tells the logging thread's writer. */
export interface ShipThreadEvents {
  report(err: FaninError): void;
  dropRefused(): void;
  /** The thread is gone for good (once; not its end that `close()` asked for): `why` says how. */
  died(why: string): void;
}

/** Where a dead shipper thread stood: what the logging thread ships on from. */
export interface ShipHandover {
  /** Its counters as last published. */
  counters: ShipperCounters;
  /** The adopted spools it had not finished, oldest first (it removed those before). */
  adoptedDirs: string[];
  /** Acknowledged cursors: of the first of those spools (or the own one), and of the own one. */
  cursor: number;
  ownCursor: number;
  /** The end of the last frame it sent from that first spool (0: none). */
  sentTo: number;
  /** Whether it had a session (the next one is a reconnection). */
  hadSession: boolean;
}

/**
 * The shipper (session, window, acknowledgements, cursor, segment removal) run in a worker
 * thread, so that it goes on while the logging thread blocks for room in the spool
 * (`whenFull: 'block'`). The logging thread appends to its spool as before and publishes how far
 * it committed; this object reads the shipper's state from shared memory. The thread keeps the
 * process alive only while records are in flight (as the in-thread session's socket does), or a
 * `flush()`/`close()` awaits it; `close()` ends it.
 */
export class ShipThread {
  readonly #gauge = new ShipGauge();
  readonly #worker: Worker;
  readonly #own: Spool;
  readonly #adoptedBytes: number;
  readonly #adoptedDirs: string[];
  readonly #on: ShipThreadEvents;
  readonly #settling = new Map<number, (done: boolean) => void>();
  readonly #exited: Promise<void>;
  #nextId = 0;
  #busy = false;
  #refd = true;
  #closing = false;
  #gone = false;

  constructor(
    own: Spool,
    adopted: { dirs: string[]; bytes: number },
    data: Omit<ShipWorkerData, 'buffer' | 'ownDir' | 'adoptedDirs'>,
    on: ShipThreadEvents,
  ) {
    this.#own = own;
    this.#adoptedBytes = adopted.bytes;
    this.#adoptedDirs = adopted.dirs;
    this.#on = on;
    const workerData: ShipWorkerData = {
      ...data,
      buffer: this.#gauge.buffer,
      ownDir: own.dir,
      adoptedDirs: adopted.dirs,
    };
    this.#worker = new Worker(workerFile, { workerData });
    this.#worker.on('message', (m: FromShipper) => this.#onMessage(m));
    this.#worker.on('error', (err) => this.#died(err.message));
    this.#exited = new Promise((resolve) => {
      this.#worker.once('exit', () => {
        if (!this.#closing) this.#died('it exited');
        resolve();
      });
    });
    // After the listeners: attaching a 'message' listener refs the worker (Node 20).
    this.#ref();
  }

  #onMessage(m: FromShipper): void {
    if (m.type === 'error') this.#on.report(new FaninError(m.code as FaninErrorCode, m.message));
    else if (m.type === 'refused') this.#on.dropRefused();
    else if (m.type === 'died') this.#died(m.message);
    else if (m.type === 'settled') this.#settling.get(m.id)?.(m.done);
    else if (m.type === 'hold') {
      // A release answers one pump request: a newer one may have put records in flight.
      this.#busy = m.on || m.requests !== this.#gauge.requests;
      this.#ref();
    }
  }

  #died(why: string): void {
    if (this.#gone) return;
    this.#gone = true;
    // First: a settle answered `false` below finds the logging thread shipping already.
    this.#on.died(why);
    for (const settle of this.#settling.values()) settle(false);
  }

  /** The worker thread (for monitoring). */
  get worker(): Worker {
    return this.#worker;
  }

  /**
   * True once the thread is known dead: from its events, or — seen by a thread blocked in
   * {@link block}, which gets no events — from the mark its crash handler leaves in the gauge.
   */
  get dead(): boolean {
    return this.#gone || this.#gauge.dead;
  }

  /** Where the thread stood (call once it is {@link dead}: it changes nothing any more). */
  handover(): ShipHandover {
    const { at, cursor, sentTo } = this.#gauge.handover();
    const counters = this.#gauge.counters();
    return {
      counters,
      hadSession: this.#gauge.connected || counters.sent > 0 || counters.reconnects > 0,
      adoptedDirs: this.#adoptedDirs.slice(at),
      cursor,
      ownCursor: this.#gauge.ownCursor,
      sentTo,
    };
  }

  // Ref'd while records are in flight or someone awaits a settle or the close; never when idle.
  #ref(): void {
    const on = !this.#gone && (this.#busy || this.#settling.size > 0 || this.#closing);
    if (on === this.#refd) return;
    this.#refd = on;
    if (on) this.#worker.ref();
    else this.#worker.unref();
  }

  #post(m: ToShipper): void {
    if (!this.#gone) this.#worker.postMessage(m);
  }

  get counters(): ShipperCounters {
    return this.#gauge.counters();
  }

  get connected(): boolean {
    return this.#gauge.connected;
  }

  get inOutage(): boolean {
    return this.#gauge.inOutage;
  }

  get inFlight(): number {
    return this.#gauge.inFlight;
  }

  /** Tells the shipper thread what was committed (one message until it takes it). */
  pump(): void {
    if (!this.#gauge.committed(this.#own.end)) return;
    this.#post({ type: 'pump' });
    this.#busy = true;
    this.#ref();
  }

  /** As {@link SpoolShipper.settle}, in the shipper thread. */
  settle(ms: number, untilOutage: boolean): Promise<boolean> {
    this.pump();
    if (this.#gone) return Promise.resolve(false);
    const id = ++this.#nextId;
    return new Promise((resolve) => {
      this.#settling.set(id, (done) => {
        this.#settling.delete(id);
        this.#ref();
        resolve(done);
      });
      this.#ref();
      this.#post({ type: 'settle', id, ms, untilOutage });
    });
  }

  /**
   * Blocks the calling thread (Atomics.wait) until `fits()` or `ms` passed (Infinity: until
   * room), handing what `commit()` writes to the shipper thread first, so that it can be sent
   * and acknowledged. False when the time is up or the shipper thread is gone.
   */
  block(ms: number, fits: () => boolean, commit: () => void): boolean {
    const deadline = Date.now() + ms;
    commit();
    this.pump();
    for (;;) {
      const seen = this.#gauge.wakes;
      if (fits()) return true;
      const left = deadline - Date.now();
      if (left <= 0 || this.#gone || this.#gauge.dead) return false;
      this.#gauge.waitForChange(seen, Math.min(left, 1000));
    }
  }

  /** Bytes of spool segments on disk (the queued ones of this thread included). */
  spooledBytes(): number {
    return this.#adoptedBytes + this.#own.diskBytes - this.#gauge.freedBytes;
  }

  /** Bytes appended and not acknowledged (what `maxSpoolBytes` bounds). */
  unackedBytes(): number {
    return this.#adoptedBytes + this.#own.diskBytes - this.#gauge.ackedBytes;
  }

  /** Persists the own spool's acknowledged cursor from here (synchronous: safe at exit). */
  persist(): void {
    const at = this.#gauge.ownCursor;
    if (at > 0) this.#own.persist(at);
  }

  /**
   * Ends the session and the thread; closes the spool files of this thread, unless the thread
   * died (the logging thread's own shipper has them then).
   */
  async close(waitMs: number): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    this.pump();
    this.#ref();
    this.#post({ type: 'close', waitMs });
    await this.#exited;
    if (!this.#gone) this.#own.close(false, false);
  }
}
