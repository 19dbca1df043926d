import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { FaninError } from '@fanin/core';
import { ShipThread } from './ship-thread.js';
import type { ShipWorkerData } from './ship-worker.js';
import type { ShipperCounters } from './shipper-options.js';
import type { Shipping, ShippingEvents } from './shipping.js';
import { Spool } from './spool.js';
import { SpoolChain } from './spool-chain.js';
import { posOf, segName, segOf, segOfName } from './spool-pos.js';
import { SpoolShipper } from './spool-shipper.js';

type ThreadData = Omit<ShipWorkerData, 'buffer' | 'ownDir' | 'adoptedDirs'>;

/**
 * The shipping of a writer whose levels may block for room: the shipper thread while it lives,
 * then the logging thread's own {@link SpoolShipper} over the same spools. When the thread dies
 * (an exception in it, `terminate()`, out of memory), the logging thread ships on from where the
 * thread's acknowledgements stood (the shared gauge): the frames the thread had in flight are
 * sent again (at-least-once, counted in `resent`), in order, nothing is lost, and the counters
 * go on from the thread's last figures. As @fanin/async-queue's calling thread takes over its
 * writer thread's ring (packages/async-queue/src/take-over.ts).
 *
 * From then on nothing can free room while the logging thread waits (it reads the
 * acknowledgements itself): a level that would block for room drops at once instead, as with
 * `{ blockMs: 0 }` (reason `spool-full`, counted and reported once per outage by the writer).
 */
export class ShipFallback implements Shipping {
  readonly #thread: ShipThread;
  readonly #own: Spool;
  readonly #data: ThreadData;
  readonly #on: ShippingEvents;
  #fallback: SpoolShipper | undefined;
  /** The thread's counters when it died (its session counted): the fallback's add to them. */
  #base: ShipperCounters | undefined;
  /** Set once the fallback opened a session: a reconnection if the thread had one. */
  #reopened = false;

  constructor(
    own: Spool,
    adopted: { dirs: string[]; bytes: number },
    data: ThreadData,
    on: ShippingEvents,
  ) {
    this.#own = own;
    this.#data = data;
    this.#on = on;
    this.#thread = new ShipThread(own, adopted, data, {
      report: on.report,
      dropRefused: on.dropRefused,
      died: (why) => this.#died(why),
    });
  }

  #died(why: string): void {
    this.#takeOver();
    const msg = `fanin syslog: the shipper thread died (${why}); shipping continues on this thread (frames it had in flight are sent again; a record that finds the spool full is dropped from now on)`;
    this.#on.report(new FaninError('ERR_FANIN_WRITE', msg));
  }

  /** Ships on in this thread from where the dead thread stood (once). */
  #takeOver(): void {
    if (this.#fallback) return;
    const h = this.#thread.handover();
    const { segmentBytes, mode } = this.#data;
    const adopted = h.adoptedDirs.map((dir) => new Spool(dir, segmentBytes, mode));
    const chain = new SpoolChain([...adopted, this.#own]);
    // This thread's cursor is the one it read at start: the thread's acknowledgements move it
    // (and delete the segments they finished, as the thread did, if it had not yet).
    this.#own.ack(h.ownCursor);
    chain.current.ack(h.cursor);
    for (const spool of [chain.current, this.#own]) skipDeleted(spool);
    this.#base = h.counters;
    const fallback = new SpoolShipper(chain, {
      ...this.#data.shipper,
      ...this.#on,
      sentTo: h.sentTo,
      // Its first session is a reconnection when the thread had one ("sessions after the first").
      changed: () => {
        if (fallback.connected && h.hadSession) this.#reopened = true;
      },
    });
    this.#fallback = fallback;
    fallback.start();
  }

  /** The shipper thread (for monitoring): after its death the writer ships on this thread. */
  get thread(): Worker {
    return this.#thread.worker;
  }

  get counters(): ShipperCounters {
    const base = this.#base;
    if (!this.#fallback || !base) return this.#thread.counters;
    const c = { ...this.#fallback.counters };
    for (const k of Object.keys(c) as (keyof ShipperCounters)[]) c[k] += base[k];
    if (this.#reopened) c.reconnects++;
    return c;
  }

  get connected(): boolean {
    return (this.#fallback ?? this.#thread).connected;
  }

  get inOutage(): boolean {
    return (this.#fallback ?? this.#thread).inOutage;
  }

  get inFlight(): number {
    return (this.#fallback ?? this.#thread).inFlight;
  }

  pump(): void {
    (this.#fallback ?? this.#thread).pump();
  }

  /** As {@link SpoolShipper.settle}; a settle the thread's death cut short goes on here. */
  async settle(ms: number, untilOutage: boolean): Promise<boolean> {
    const deadline = Date.now() + ms;
    if (!this.#fallback) {
      const done = await this.#thread.settle(ms, untilOutage);
      if (done || !this.#fallback) return done;
    }
    return this.#fallback.settle(Math.max(0, deadline - Date.now()), untilOutage);
  }

  /**
   * As {@link ShipThread.block} while the thread lives. A thread blocked here gets no events:
   * it learns of a crash from the gauge, takes over at once and drops the record (nothing can
   * free room while it waits). After the fallback: false at once.
   */
  block(ms: number, fits: () => boolean, commit: () => void): boolean {
    if (this.#fallback) return false;
    if (this.#thread.block(ms, fits, commit)) return true;
    if (this.#thread.dead) this.#takeOver();
    return false;
  }

  spooledBytes(): number {
    return (this.#fallback ?? this.#thread).spooledBytes();
  }

  unackedBytes(): number {
    return (this.#fallback ?? this.#thread).unackedBytes();
  }

  persist(): void {
    (this.#fallback ?? this.#thread).persist();
  }

  async close(waitMs: number): Promise<void> {
    if (!this.#fallback) await this.#thread.close(waitMs);
    // Died before or while closing: this thread's shipper ends the session and the spools.
    await this.#fallback?.close(waitMs);
  }
}

/**
 * A thread killed after an acknowledgement deleted the segments it finished and before it
 * published the cursor leaves one in a deleted segment: go on from the first segment left (what
 * follows the real cursor there is sent again, counted as resent).
 */
function skipDeleted(spool: Spool): void {
  const seg = segOf(spool.cursor);
  if (fs.existsSync(path.join(spool.dir, segName(seg)))) return;
  const left = fs
    .readdirSync(spool.dir)
    .map(segOfName)
    .filter((n): n is number => n !== undefined && n > seg);
  if (left.length > 0) spool.ack(posOf(Math.min(...left), 0));
}
