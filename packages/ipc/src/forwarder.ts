import { Completion } from './completion.js';
import type { ForwarderLimits } from './ipc-options.js';
import type { ForwarderEvents, Link, LinkEvents } from './link.js';
import type { LocalWriter } from './local-writer.js';
import { type Chunk, Outbox } from './outbox.js';

/** How long a partial batch may wait for more records while others are in flight. */
const SEND_GAP_MS = 1;

/**
 * Records on their way to the writer: bounded, sent in batches (at the end of an event-loop
 * turn when nothing is in flight; else once `batchChars` gathered or a millisecond passed), at
 * most `windowChars` unacknowledged.
 * Records move out only in order: acknowledged, or written here by `writeAllDirect`.
 */
export class Forwarder {
  readonly outbox: Outbox;
  forwarded = 0;
  acked = 0;
  resent = 0;
  directWrites = 0;
  #link: Link | undefined;
  #welcomed = false;
  #blocked = false;
  #scheduled = false;
  #lastSendAt = 0;
  #gapTimer: NodeJS.Timeout | undefined;
  #exiting = false;
  #spillWanted = false;
  #kind: Link['kind'] | undefined;
  /** The newest batch a full buffer waited for. */
  #waited = 0;
  readonly #soft: number;
  #timer: NodeJS.Timeout | undefined;
  /** Records added, and those acknowledged or written here: flush and close wait on it. */
  readonly completion = new Completion();
  readonly #host: ForwarderEvents;
  readonly #limits: ForwarderLimits;
  readonly #local: LocalWriter;

  /** `local`: this process's own file writer, for what it must write itself. */
  constructor(host: ForwarderEvents, local: LocalWriter, limits: ForwarderLimits) {
    this.#host = host;
    this.#local = local;
    this.#limits = limits;
    this.outbox = new Outbox(limits.maxBufferChars, limits.batchChars);
    // The writer is not keeping up once this much waits (eight windows, at least 1 M
    // characters): from there the backlog is this process's to write. The rest of the bound is
    // the slack that covers one acknowledgement's round trip while the caller keeps logging.
    const eightWindows = Math.max(8 * limits.windowChars, 1 << 20);
    this.#soft = Math.min(Math.floor(limits.maxBufferChars * 0.75), eightWindows);
  }

  /** Events for a new link; call {@link connect} with the link built on them. */
  events(): LinkEvents {
    return {
      welcome: () => this.#welcome(),
      ack: (seq) => this.#ack(seq),
      drain: () => {
        this.#blocked = false;
        this.#pump();
      },
      lost: (why, quiet = false) => {
        this.#link = undefined;
        this.#welcomed = false;
        clearTimeout(this.#timer);
        this.#host.lost(why, quiet);
      },
    };
  }

  /**
   * Uses `link` from now on; what was in flight is sent again once the writer answers. Until
   * the writer's welcome the link keeps the process alive (records may be waiting for it).
   */
  connect(link: Link): void {
    this.resent += this.outbox.requeueInFlight();
    this.#link = link;
    link.active(true);
    this.#welcomed = false;
    this.#blocked = false;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      if (!this.#welcomed) this.#host.unanswered();
    }, this.#limits.connectTimeoutMs);
    this.#timer.unref();
  }

  /** Queues a record; false when the buffer is full (the caller applies `whenFull`). */
  add(record: string, level: string): boolean {
    if (this.#limits.spills && this.outbox.usedChars + record.length > this.#soft)
      this.#nearlyFull();
    if (!this.outbox.add(record, level)) return false;
    this.completion.added();
    // A record larger than a batch is not sent: a message bigger than the kernel's socket
    // buffer would leave the process over several turns, and one still leaving at exit could be
    // neither acknowledged nor known as unsent. It is written here, after what is in flight.
    if (record.length > this.#limits.batchChars) this.#nearlyFull();
    // At the end of the turn they are sent (or wait for a full batch; see #holdPartial).
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#endOfTurn);
    }
    return true;
  }

  /**
   * The buffer is full and the caller may not drop: this process writes the backlog and the
   * record itself. {@link add} stopped sending well before, so that what is in flight is
   * acknowledged first; where the link reads acknowledgements synchronously (a socket) the
   * caller waits for that here (at most `ackWaitMs`). Otherwise (a Node channel, or a writer
   * silent too long) the writer may append those records (at most a window) after the spill.
   */
  overflow(record: string, level: string): void {
    const link = this.#link;
    const upTo = this.outbox.lastSeq;
    const waits = link?.readsAcksSync && this.#welcomed && this.outbox.inFlightRecords > 0;
    // A writer that stalled once is not waited for again for the same batches.
    if (link && waits && upTo > this.#waited) {
      this.#waited = upTo;
      const { acked } = link.awaitAcksSync(upTo, this.#limits.ackWaitMs);
      // The acknowledgement spills what is pending (spillWanted is set by now).
      if (acked > 0) this.#ack(acked);
    }
    this.spill();
    this.#writeDirect([
      { text: record, lens: [record.length], levels: [level], chars: record.length },
    ]);
  }

  readonly #endOfTurn = (): void => {
    this.#scheduled = false;
    this.#pump();
  };

  /**
   * Writes every record still here — in flight first (counted as resent: the writer may have
   * them too), then pending — with this process's own append writer, in order.
   */
  writeAllDirect(): number {
    this.resent += this.outbox.requeueInFlight();
    return this.spill();
  }

  /**
   * Writes the pending records here and leaves those in flight to the writer: for a full
   * buffer, where resending would duplicate them. The writer may append those (at most the
   * window) after the spilled ones.
   */
  spill(): number {
    this.#spillWanted = false;
    const chunks = this.outbox.drainPending();
    if (chunks.length === 0) return 0;
    const n = this.#writeDirect(chunks);
    this.completion.finished(n);
    return n;
  }

  // This process's own file writer, at once, in order.
  #writeDirect(chunks: Chunk[]): number {
    const n = this.#local.writeChunks(chunks);
    this.directWrites += n;
    return n;
  }

  /**
   * At exit: waits (synchronously, at most `ms`) for the writer to acknowledge what is in flight,
   * then writes the rest here; returns how many records this process wrote. `atSignal`: the
   * process dies of a signal right after, its main thread included.
   */
  exitSync(ms: number, atSignal = false): number {
    clearTimeout(this.#timer);
    // Nothing more goes out: what an acknowledgement frees is written here, after it.
    this.#exiting = true;
    const link = this.#link;
    if (link?.sendsSurviveExit && this.#welcomed && !atSignal) {
      // A thread's messages reach the main thread after the thread is gone: send the rest,
      // behind what is in flight, and the main thread writes it all in order.
      this.#sendAll(link);
      return 0;
    }
    // With a destination, writing here means a second session and a spool shipped only by the
    // next start: over a link that reads acknowledgements synchronously, send the rest too.
    if (link?.readsAcksSync && this.#welcomed && !atSignal && this.#limits.sendAtExit) {
      this.#sendAll(link);
    }
    if (link && this.#welcomed && this.outbox.inFlightRecords > 0) {
      // At a signal a thread's main thread has written and acknowledged (in the shared cell)
      // all it will, and waits for this thread: what the cell does not cover is written here.
      const wait = atSignal && link.sendsSurviveExit ? 0 : ms;
      const { acked, sentUpTo } = link.awaitAcksSync(this.outbox.lastSeq, wait);
      if (acked > 0) this.#ack(acked);
      // Batches that never left this process (still queued here, or held for the switch to
      // the private socket) were not forwarded, and are no resend: nobody else can write them.
      const unsent = this.outbox.inFlightAfter(sentUpTo ?? this.outbox.lastSeq);
      this.resent -= unsent;
      this.forwarded -= unsent;
    }
    return this.writeAllDirect();
  }

  /**
   * What close() does with records the writer did not acknowledge by its deadline: a thread's
   * batches reach the main thread anyway (only pending ones are written here); any other
   * link's may never arrive, so they are written here too.
   */
  settleForClose(): number {
    if (!this.#link?.sendsSurviveExit || !this.#welcomed) return this.writeAllDirect();
    this.#sendAll(this.#link);
    return 0;
  }

  // Sends everything pending regardless of the window: for a link whose messages arrive
  // after the sender is gone, so that the writer writes them all, in order.
  #sendAll(link: Link): void {
    for (
      let b = this.outbox.take(Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY);
      b;
      b = this.outbox.take(Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY)
    ) {
      this.forwarded += b.lens.length;
      link.send(b);
    }
  }

  /** How batches travelled to the last writer that welcomed this process. */
  get linkKind(): Link['kind'] | undefined {
    return this.#kind;
  }

  /** Whether posted batches arrive even if nobody waits for them (worker threads). */
  get sendsSurviveExit(): boolean {
    return this.#link?.sendsSurviveExit ?? false;
  }

  /** Stops using the link (close): nothing more is sent. */
  disconnect(): void {
    clearTimeout(this.#timer);
    this.#link?.close();
    this.#link = undefined;
    this.#welcomed = false;
  }

  // A spill keeps each process's records in order only if nothing is in flight: stop sending,
  // and spill once the writer has acknowledged the rest (or at once, when nothing is out).
  #nearlyFull(): void {
    if (this.outbox.inFlightRecords === 0 && this.outbox.pendingRecords > 0) this.spill();
    else if (this.outbox.inFlightRecords > 0) this.#spillWanted = true;
  }

  #welcome(): void {
    clearTimeout(this.#timer);
    this.#welcomed = true;
    this.#kind = this.#link?.kind;
    this.#host.welcomed();
    this.#pump();
    if (this.outbox.empty) this.#link?.active(false);
  }

  #ack(seq: number): void {
    const n = this.outbox.ack(seq);
    if (n === 0) return;
    this.acked += n;
    this.completion.finished(n);
    if (this.#spillWanted && this.outbox.inFlightRecords === 0) this.spill();
    if (this.outbox.inFlightRecords === 0 && this.outbox.pendingRecords === 0) {
      this.#link?.active(false);
    }
    this.#pump();
  }

  #pump(): void {
    const link = this.#link;
    if (!link || !this.#welcomed || this.#exiting || this.#spillWanted) return;
    while (!this.#blocked && !this.#holdPartial()) {
      const batch = this.outbox.take(this.#limits.batchChars, this.#limits.windowChars);
      if (!batch) return;
      this.forwarded += batch.lens.length;
      this.#lastSendAt = performance.now();
      link.active(true);
      if (!link.send(batch)) this.#blocked = true;
      this.#kind = link.kind;
      if (this.#link !== link) return;
    }
  }

  // While batches are in flight, a partial batch waits until a full one has gathered or
  // SEND_GAP_MS passed since the last send (then a timer sends it): under load messages carry
  // a whole batch each instead of one event-loop turn's records, so the per-message work (the
  // channel's serialization, a system call, an acknowledgement to read) is paid far less often.
  // With nothing in flight, records go at once.
  #holdPartial(): boolean {
    if (this.outbox.inFlightRecords === 0) return false;
    if (this.outbox.pendingChars >= this.#limits.batchChars) return false;
    const wait = this.#lastSendAt + SEND_GAP_MS - performance.now();
    if (wait <= 0) return false;
    if (this.#gapTimer === undefined) {
      this.#gapTimer = setTimeout(() => {
        this.#gapTimer = undefined;
        this.#pump();
      }, Math.ceil(wait));
    }
    return true;
  }
}
