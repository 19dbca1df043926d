import type { ShipperCounters } from './shipper-options.js';

// Int32 cells.
/** Bumped by the shipper thread whenever its state changed; the logging thread waits on it. */
const WAKE = 0;
/** 1 from a pump request of the logging thread until the shipper thread takes it. */
const PUMP = 1;
/** Pump requests so far (a hold released for an older one is ignored). */
const REQUESTS = 2;
const CONNECTED = 3;
const IN_FLIGHT = 4;
const OUTAGE = 5;
/** 1 once the shipper thread died: nothing will free room any more. */
const DEAD = 6;
/** Which spool (0: the first adopted one; the own spool is last) AT_CURSOR is a place in. */
const CURSOR_SPOOL = 7;
/** Which spool SENT_TO is a place in. */
const SENT_SPOOL = 8;
const INT32_CELLS = 10;

// BigInt64 cells, after the Int32 ones.
/** The own spool's end after the logging thread's last commit (a SpoolPos). */
const END = 0;
/** Bytes acknowledged, every spool of the shipper together (only grows). */
const ACKED = 1;
/** Bytes of segment files the shipper deleted (only grows). */
const FREED = 2;
/** The own spool's acknowledged cursor (a SpoolPos): persisted by the logging thread at exit. */
const CURSOR = 3;
/** The acknowledged cursor of the spool being shipped (the one of CURSOR_SPOOL). */
const AT_CURSOR = 4;
/** The end of the last frame sent from the spool being shipped, stored before it is written. */
const SENT_TO = 5;
const COUNTER_CELLS = 6;
const COUNTERS: (keyof ShipperCounters)[] = [
  'sent',
  'acknowledged',
  'resent',
  'reconnects',
  'refused',
];
const BIG_CELLS = COUNTER_CELLS + COUNTERS.length;

/**
 * The state the logging thread and the shipper thread share (a SharedArrayBuffer): the logging
 * thread publishes how far it committed its spool; the shipper thread publishes what was
 * acknowledged and its counters, and bumps a cell the logging thread can `Atomics.wait` on while
 * a record waits for room (`whenFull: 'block'`).
 */
export class ShipGauge {
  readonly buffer: SharedArrayBuffer;
  readonly #i32: Int32Array;
  readonly #big: BigInt64Array;

  constructor(buffer = new SharedArrayBuffer(INT32_CELLS * 4 + BIG_CELLS * 8)) {
    this.buffer = buffer;
    this.#i32 = new Int32Array(buffer, 0, INT32_CELLS);
    this.#big = new BigInt64Array(buffer, INT32_CELLS * 4, BIG_CELLS);
  }

  #get(cell: number): number {
    return Number(Atomics.load(this.#big, cell));
  }

  #set(cell: number, value: number): void {
    Atomics.store(this.#big, cell, BigInt(value));
  }

  // --- the logging thread's side

  /** Publishes the own spool's end; returns true when a pump request must be sent. */
  committed(end: number): boolean {
    this.#set(END, end);
    if (Atomics.compareExchange(this.#i32, PUMP, 0, 1) !== 0) return false;
    Atomics.add(this.#i32, REQUESTS, 1);
    return true;
  }

  /** Pump requests sent so far. */
  get requests(): number {
    return Atomics.load(this.#i32, REQUESTS);
  }

  /**
   * Blocks the calling thread until the shipper thread changes something, or `ms` pass; `seen`
   * is {@link wakes} read before checking for room, so that a change in between is not missed.
   */
  waitForChange(seen: number, ms: number): void {
    Atomics.wait(this.#i32, WAKE, seen, ms);
  }

  /** Changes published so far. */
  get wakes(): number {
    return Atomics.load(this.#i32, WAKE);
  }

  get ackedBytes(): number {
    return this.#get(ACKED);
  }

  get freedBytes(): number {
    return this.#get(FREED);
  }

  get ownCursor(): number {
    return this.#get(CURSOR);
  }

  get connected(): boolean {
    return Atomics.load(this.#i32, CONNECTED) === 1;
  }

  get inFlight(): number {
    return Atomics.load(this.#i32, IN_FLIGHT);
  }

  get inOutage(): boolean {
    return Atomics.load(this.#i32, OUTAGE) === 1;
  }

  get dead(): boolean {
    return Atomics.load(this.#i32, DEAD) === 1;
  }

  /**
   * Where the shipper stood, for the logging thread to go on from once the shipper thread is
   * dead (read it only then: the cells are not one atomic snapshot). `at`: the spool it was
   * shipping (index in adopted-then-own order); `cursor`: that spool's acknowledged cursor and
   * `sentTo`: the end of the last frame sent from it, each 0 when not known for that spool.
   */
  handover(): { at: number; cursor: number; sentTo: number } {
    const cursorAt = Atomics.load(this.#i32, CURSOR_SPOOL);
    const sentAt = Atomics.load(this.#i32, SENT_SPOOL);
    const at = Math.max(cursorAt, sentAt);
    const cursor = cursorAt === at ? this.#get(AT_CURSOR) : 0;
    return { at, cursor, sentTo: sentAt === at ? this.#get(SENT_TO) : 0 };
  }

  counters(): ShipperCounters {
    const c = {} as ShipperCounters;
    for (const [k, name] of COUNTERS.entries()) c[name] = this.#get(COUNTER_CELLS + k);
    return c;
  }

  // --- the shipper thread's side

  /** Takes the pending pump request (the next commit sends a new one). */
  takeRequest(): void {
    Atomics.store(this.#i32, PUMP, 0);
  }

  /** The own spool's end after the logging thread's last commit. */
  get end(): number {
    return this.#get(END);
  }

  /** Publishes the shipper's state and wakes a logging thread waiting for room. */
  publish(s: {
    acked: number;
    freed: number;
    cursor: number;
    /** The spool being shipped (adopted ones first, then the own one) and its cursor. */
    at: number;
    atCursor: number;
    counters: ShipperCounters;
    connected: boolean;
    inFlight: number;
    inOutage: boolean;
  }): void {
    this.#set(ACKED, s.acked);
    this.#set(FREED, s.freed);
    this.#set(CURSOR, s.cursor);
    this.#set(AT_CURSOR, s.atCursor);
    Atomics.store(this.#i32, CURSOR_SPOOL, s.at);
    for (const [k, name] of COUNTERS.entries()) this.#set(COUNTER_CELLS + k, s.counters[name]);
    Atomics.store(this.#i32, CONNECTED, s.connected ? 1 : 0);
    Atomics.store(this.#i32, IN_FLIGHT, s.inFlight);
    Atomics.store(this.#i32, OUTAGE, s.inOutage ? 1 : 0);
    this.#bump();
  }

  /**
   * Frames up to `to` in spool `at` are about to be written to the session: stored before the
   * write, so that a thread killed at any point never sent past what the logging thread reads.
   */
  sending(at: number, to: number): void {
    // The place first: killed in between, the spool index is the previous one, which a retired
    // spool is (its place then applies to a drained spool and changes nothing).
    this.#set(SENT_TO, to);
    Atomics.store(this.#i32, SENT_SPOOL, at);
  }

  /** The shipper thread is ending for good (a crash): a waiting logging thread stops waiting. */
  died(): void {
    Atomics.store(this.#i32, DEAD, 1);
    this.#bump();
  }

  #bump(): void {
    Atomics.add(this.#i32, WAKE, 1);
    Atomics.notify(this.#i32, WAKE);
  }
}
