import { FaninError } from '@fanin/core';
import { AckWindow } from './ack-window.js';
import { OctetSession } from './octet-session.js';
import { Outage } from './outage.js';
import { nextTxnr } from './relp-frame.js';
import { RelpSession } from './relp-session.js';
import type { ShipSession } from './ship-session.js';
import type { ShipperCounters, ShipperOptions } from './shipper-options.js';
import type { SpoolPos } from './spool.js';
import type { SpoolChain } from './spool-chain.js';

/**
 * Ships spools in order over one session (RELP, or best effort): the first spool (an adopted one, left by a dead
 * process) until it is acknowledged to its end, then the next; the last spool is this writer's
 * own, which grows. At most `windowSize` frames are unacknowledged; the spool's cursor moves
 * over the acknowledged prefix only, so a lost session resends every unacknowledged frame, in
 * order, from the cursor (at-least-once: what the collector wrote but could not acknowledge is
 * duplicated, at most one window per loss, each copy with its writer id and sequence number).
 * Over a best-effort session ({@link OctetSession}) "acknowledged" means "taken by the kernel".
 */
export class SpoolShipper {
  readonly counters: ShipperCounters = {
    sent: 0,
    acknowledged: 0,
    resent: 0,
    reconnects: 0,
    refused: 0,
  };
  readonly #o: ShipperOptions;
  readonly #spools: SpoolChain;
  #session: ShipSession | undefined;
  #connecting = false;
  #opening: ShipSession | undefined;
  readonly #outage: Outage;
  #everConnected = false;
  readonly #window = new AckWindow();
  #sendPos: SpoolPos;
  #highWater: SpoolPos;
  #paused = false;
  #holding = false;
  #closed = false;
  readonly #refusals = new Map<SpoolPos, number>();
  readonly #waiters: (() => void)[] = [];

  constructor(spools: SpoolChain, options: ShipperOptions) {
    this.#o = options;
    this.#spools = spools;
    this.#outage = new Outage(options.reconnectMinMs, options.reconnectMaxMs, options.report);
    this.#sendPos = this.#current.cursor;
    this.#highWater = Math.max(this.#sendPos, options.sentTo ?? 0);
  }

  get #current() {
    return this.#spools.current;
  }

  /** True while a session is open. */
  get connected(): boolean {
    return this.#session !== undefined;
  }

  /** True when a session was tried and failed, and none is open now. */
  get inOutage(): boolean {
    return this.#session === undefined && this.#outage.active;
  }

  /** Frames sent and not yet acknowledged. */
  get inFlight(): number {
    return this.#window.size;
  }

  /** Opens a session if none is open or being opened; sends what waits. */
  start(): void {
    if (this.#closed || this.#session || this.#connecting || this.#outage.waiting) return;
    this.#connecting = true;
    const events = {
      onAck: (txnr: number) => this.#onAck(txnr),
      onRefused: (txnr: number, why: string) => this.#onRefused(txnr, why),
      onLost: (err: FaninError) => this.#onLost(err),
      onDrain: () => {
        this.#paused = false;
        this.pump();
      },
      // A pump per read, though rsyslogd answers each frame in a segment of its own: librelp
      // leaves Nagle on, so a read not answered by a write (whose segment carries the ACK)
      // holds its next answer until the delayed ACK, 40 ms (refilling at half a window: 3.5 k
      // records/s instead of 55 k).
      onReceived: () => this.pump(),
    };
    const { endpoint } = this.#o;
    const session =
      endpoint.protocol === 'relp'
        ? RelpSession.connect(endpoint, events)
        : new OctetSession(endpoint, events);
    this.#opening = session;
    // Records waiting keep the process alive while the session opens; an idle writer does not.
    this.#ref(session, !this.#spools.drained);
    session.ready.then(
      () => this.#onOpen(session),
      (err: FaninError) => {
        this.#connecting = false;
        this.#opening = undefined;
        this.#onLost(err);
      },
    );
  }

  #onOpen(session: ShipSession): void {
    this.#connecting = false;
    this.#opening = undefined;
    if (this.#closed) {
      session.destroy();
      return;
    }
    if (this.#everConnected) this.counters.reconnects++;
    this.#outage.ended();
    this.#everConnected = true;
    this.#session = session;
    this.pump();
  }

  /** Sends spooled records while the window and the socket have room. */
  pump(): void {
    this.#o.refresh?.();
    const session = this.#session;
    if (!session) {
      if (this.#opening) this.#ref(this.#opening, true);
      this.start();
      this.#o.changed?.();
      return;
    }
    while (!this.#paused && this.#window.size < this.#o.windowSize) {
      const records = this.#current.read(this.#sendPos, this.#o.windowSize - this.#window.size);
      if (records.length === 0) {
        if (!this.#retireCurrent()) break;
        continue;
      }
      this.#o.sending?.((records[records.length - 1] as { end: SpoolPos }).end);
      const { first, ok } = session.sendAll(records.map((r) => r.data));
      let txnr = first;
      for (const rec of records) {
        this.#window.push(txnr, rec.end);
        txnr = nextTxnr(txnr);
        if (rec.end <= this.#highWater) this.counters.resent++;
        else this.#highWater = rec.end;
        this.#sendPos = rec.end;
      }
      this.counters.sent += records.length;
      if (!ok) this.#paused = true;
    }
    this.#ref(session, this.#window.size > 0);
    this.#o.changed?.();
  }

  /** True while a session with records to ship keeps the process alive. */
  get holding(): boolean {
    return this.#holding;
  }

  #ref(session: ShipSession, on: boolean): void {
    session.ref(on);
    this.#holding = on;
  }

  /** An adopted spool shipped to its end and acknowledged is removed; the next one starts. */
  #retireCurrent(): boolean {
    if (this.#window.size > 0 || !this.#spools.retire()) return false;
    this.#sendPos = this.#current.cursor;
    this.#highWater = this.#sendPos;
    return true;
  }

  #onAck(txnr: number): void {
    const done = this.#window.ack(txnr);
    if (!done) return;
    this.counters.acknowledged += done.n;
    this.#current.ack(done.end);
    this.#o.acked();
    this.#wake();
  }

  #onRefused(txnr: number, why: string): void {
    const entry = this.#window.find(txnr);
    if (!entry || entry.acked) return;
    this.counters.refused++;
    const times = (this.#refusals.get(entry.end) ?? 0) + 1;
    this.#refusals.set(entry.end, times);
    if (times >= this.#o.maxRefusals) {
      // Given up: acknowledged as far as the cursor goes, counted as dropped.
      this.#refusals.delete(entry.end);
      this.#o.dropRefused();
      this.#onAck(txnr);
      return;
    }
    // Order matters more than the one record: resend from the cursor on a new session.
    this.#session?.destroy();
    this.#onLost(refusedError(why));
  }

  #onLost(err: FaninError): void {
    this.#session?.destroy();
    this.#session = undefined;
    this.#window.clear();
    this.#paused = false;
    this.#sendPos = this.#current.cursor;
    this.#holding = false;
    if (!this.#closed) this.#outage.failed(err, () => this.start());
    this.#o.changed?.();
    this.#wake();
  }

  /**
   * Resolves `true` once every spool is acknowledged to its end, or `false` at the deadline
   * (`ms`) or — with `untilOutage` — as soon as no session can be had (the records are safe in
   * the spool). Without `untilOutage`, a pending reconnection is tried at once.
   */
  settle(ms: number, untilOutage: boolean): Promise<boolean> {
    if (!untilOutage && this.#outage.cancel()) this.start();
    return new Promise((resolve) => {
      const deadline = Date.now() + ms;
      const check = (): void => {
        const done = this.#spools.drained;
        if (done || (untilOutage && this.inOutage) || Date.now() >= deadline) {
          clearTimeout(timer);
          resolve(done);
        } else this.#waiters.push(check);
      };
      // Not unref'd: the caller awaits this deadline.
      const timer = setTimeout(check, Math.min(ms, 2 ** 31 - 1));
      this.pump();
      check();
    });
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  /** Bytes of spool segments on disk, every spool of this shipper together. */
  spooledBytes(): number {
    return this.#spools.diskBytes;
  }

  /** Bytes appended and not acknowledged, every spool together (what `maxSpoolBytes` bounds). */
  unackedBytes(): number {
    return this.#spools.unackedBytes;
  }

  /** Persists every cursor (synchronous: safe at exit). */
  persist(): void {
    this.#spools.persist();
  }

  /** Ends the session (`close` if open) and closes the spools, removing those drained. */
  async close(waitMs: number): Promise<void> {
    this.#closed = true;
    this.#outage.cancel();
    this.#opening?.destroy();
    const session = this.#session;
    this.#session = undefined;
    if (session && this.#window.size === 0) await session.close(waitMs);
    else session?.destroy();
    this.#spools.close();
  }
}

function refusedError(why: string): FaninError {
  return new FaninError(
    'ERR_FANIN_WRITE',
    `fanin syslog: the collector refused a record (${why}); resending`,
  );
}
