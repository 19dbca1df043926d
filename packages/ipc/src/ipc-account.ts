import {
  defaultNotice,
  FaninError,
  LossLedger,
  type LossNotice,
  StatsCounter,
  type WriterStats,
  warnOnce,
} from '@fanin/core';

/** How often an ongoing outage is summed up, and how long without a new case ends it. */
const OUTAGE_TICK_MS = 5000;

interface Outage {
  /** Cases since the last report. */
  unreported: number;
  total: number;
  /** A case came since the last tick. */
  active: boolean;
  code: FaninError['code'];
  what: string;
}

/**
 * Everything the IPC writer itself counts and reports, in one place: records it drops (by
 * reason and level, and in the loss notice written to the log), and trouble worth telling the
 * app once per outage rather than once per case (a hostile or broken peer can cause thousands).
 * The report policy: one report when a reason starts; while it goes on, one summary with the
 * count at most every 5 s; a last summary when 5 s pass without a case. A transport's own
 * accounting lives in core's BatchWriter; this is the ipc writer's (drops before a record
 * reaches any file writer).
 */
export class IpcAccount {
  readonly #stats = new StatsCounter();
  readonly #ledger: LossLedger;
  readonly #onError: (err: FaninError) => void;
  readonly #noticeMs: number;
  readonly #outages = new Map<string, Outage>();
  /** Records dropped since the last notice: the hot path asks only this. */
  #unnoticed = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(o: {
    onError?: (err: FaninError) => void;
    formatNotice?: ((n: LossNotice) => string) | null;
    noticeIntervalMs?: number;
  }) {
    this.#ledger = new LossLedger(
      o.formatNotice === null ? null : (o.formatNotice ?? defaultNotice),
    );
    // onError when given, else one process warning per reason (core's rule); stats() counts all.
    this.#onError = o.onError ?? warnOnce;
    this.#noticeMs = o.noticeIntervalMs ?? 5000;
  }

  /** Counts `n` records dropped for `reason`, notes them for the log's loss notice. */
  noteDropped(reason: string, n: number, level?: string): void {
    this.#stats.drop(reason, n, level);
    this.#ledger.add(reason, n, level);
    this.#unnoticed += n;
  }

  /** Drops one record: counted, noted, and reported once per outage of `reason`. */
  drop(reason: string, level: string | undefined, why: string): false {
    this.noteDropped(reason, 1, level);
    const code =
      reason === 'oversize' || reason === 'invalid-record' ? 'ERR_FANIN_RECORD' : 'ERR_FANIN_WRITE';
    this.outage(`drop:${reason}`, code, `fanin: record dropped (${reason}): ${why}`);
    return false;
  }

  /** Reports `err` now; nothing is deduplicated (the writer's loss, a failed election). */
  report(err: FaninError): void {
    this.#onError(err);
  }

  /**
   * One case of trouble of kind `key`: reported with `message` when its outage starts, then
   * summed up (see the class). Returns whether this case was reported on its own.
   */
  outage(key: string, code: FaninError['code'], message: string): boolean {
    const o = this.#outages.get(key);
    if (o) {
      o.unreported++;
      o.total++;
      o.active = true;
      return false;
    }
    this.#outages.set(key, { unreported: 0, total: 1, active: true, code, what: message });
    this.#onError(new FaninError(code, message));
    this.#tick();
    return true;
  }

  /** The loss notice when losses wait for one and it is due (`now`: at once), else undefined. */
  noticeDue(now: boolean): string | undefined {
    if (this.#unnoticed === 0) return undefined;
    const text = this.#ledger.due(now, this.#noticeMs);
    if (text !== undefined) {
      this.#ledger.written();
      this.#unnoticed = 0;
    }
    return text;
  }

  snapshot(queueDepth: number, queueBytes: number): WriterStats {
    return this.#stats.snapshot(queueDepth, queueBytes);
  }

  /** Ends every outage now (close), with its last summary. */
  settle(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const [key, o] of this.#outages) this.#summarize(key, o, true);
  }

  #tick(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      for (const [key, o] of this.#outages) this.#summarize(key, o, !o.active);
      if (this.#outages.size > 0) this.#tick();
    }, OUTAGE_TICK_MS);
    this.#timer.unref();
  }

  #summarize(key: string, o: Outage, ended: boolean): void {
    if (o.unreported > 0) {
      const state = ended ? 'ended' : 'goes on';
      const text = `${o.what} — ${o.unreported} more since (${o.total} in this outage, which ${state})`;
      this.#onError(new FaninError(o.code, text));
      o.unreported = 0;
    }
    o.active = false;
    if (ended) this.#outages.delete(key);
  }
}
