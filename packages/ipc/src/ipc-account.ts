import { type AccountOptions, FaninError, WriterAccount, type WriterStats } from '@fanin/core';
import { warnOnce } from '@fanin/core/internal';

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
 * Everything the IPC writer itself counts and reports, in one place. Records it drops (before
 * they reach any file writer) go to core's {@link WriterAccount}: counted by reason and level,
 * reported by core's one policy (one report when a loss starts, summaries after), and named in
 * the log's loss notice. What ipc adds is trouble that loses no record of this process — a
 * hostile or broken socket peer can cause thousands of cases — told once per outage: one report
 * when a kind starts; while it goes on, one summary with the count at most every 5 s; a last
 * summary when 5 s pass without a case.
 */
export class IpcAccount {
  readonly #account: WriterAccount;
  readonly #onError: (err: FaninError) => void;
  readonly #outages = new Map<string, Outage>();
  #timer: NodeJS.Timeout | undefined;

  constructor(o: AccountOptions) {
    this.#account = new WriterAccount(o);
    // onError when given, else one process warning per code (core's rule); stats() counts all.
    this.#onError = o.onError ?? warnOnce;
  }

  /** Counts `n` records dropped for `reason` and reported already (by a framework adapter). */
  noteDropped(reason: string, n: number, level?: string): void {
    this.#account.drop({ reason, records: n, level, reported: true });
  }

  /** Drops one record: counted, noted, and reported by core's policy. */
  drop(reason: string, level: string | undefined, why: string): false {
    this.#account.drop({ reason, records: 1, level, why: `record dropped (${reason}): ${why}` });
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
    // The hot path asks only this count.
    if (this.#account.unnoted === 0) return undefined;
    const text = this.#account.noticeDue(now);
    if (text !== undefined) this.#account.noticeWritten();
    return text;
  }

  snapshot(queueDepth: number, queueBytes: number): WriterStats {
    return this.#account.stats(queueDepth, queueBytes);
  }

  /** Ends every loss episode and every outage now (close), with its last summary. */
  settle(): void {
    this.#account.finish();
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
