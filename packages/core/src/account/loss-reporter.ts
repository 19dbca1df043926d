import { type FaninError, FaninWriteError } from '../contract/errors.js';

/** How one loss is told to the reporter. */
export interface LossReport {
  reason: string;
  records: number;
  /** Why, for the first report of an episode (without the `fanin: ` prefix). */
  why: string;
  /** The system error behind an I/O loss. */
  cause?: unknown;
  /**
   * The loss belongs to an outage that the next successful write ends (write errors, a full
   * buffer): its end is reported with the count. Other reasons (oversize, closed…) are judged
   * record by record and only ever summarised at the interval.
   */
  outage?: boolean;
}

interface Episode {
  since: number;
  lastLoss: number;
  lastReport: number;
  /** Records lost since the last report. */
  unreported: number;
  total: number;
  outage: boolean;
  cause?: unknown;
}

/**
 * The one reporting policy of every fanin writer: per reason, one report through `onError`
 * when a loss starts; while it goes on, at most one summary every `intervalMs` (only if more
 * records were lost since the last report); for an outage, one summary with the count when it
 * ends (the next successful write). Never one report per record, never silent.
 *
 * @example
 * const r = new LossReporter(console.error, 60_000);
 * r.lost({ reason: 'ENOSPC', records: 3, why: 'write failed', outage: true }); // reported
 * r.lost({ reason: 'ENOSPC', records: 9, why: 'write failed', outage: true }); // counted only
 * r.ended(); // "ENOSPC ended: 12 records lost …"
 */
export class LossReporter {
  readonly #episodes = new Map<string, Episode>();
  readonly #onError: (err: FaninError) => void;
  readonly #intervalMs: number;

  constructor(onError: (err: FaninError) => void, intervalMs: number) {
    this.#onError = onError;
    this.#intervalMs = intervalMs;
  }

  /** Whether any outage is under way (so that a successful write has something to end). */
  get inOutage(): boolean {
    for (const e of this.#episodes.values()) if (e.outage) return true;
    return false;
  }

  lost(loss: LossReport): void {
    const now = Date.now();
    const e = this.#episodes.get(loss.reason);
    if (e === undefined) {
      const outage = loss.outage === true;
      this.#episodes.set(loss.reason, {
        ...{ since: now, lastLoss: now, lastReport: now, unreported: 0, total: loss.records },
        outage,
        cause: loss.cause,
      });
      this.#emit(loss.reason, loss.records, `fanin: ${loss.why}`, loss.cause);
      return;
    }
    e.total += loss.records;
    e.unreported += loss.records;
    e.lastLoss = now;
    if (now - e.lastReport < this.#intervalMs || e.unreported === 0) return;
    const secs = Math.round((now - e.lastReport) / 1000);
    const msg = `fanin: ${e.unreported} more records lost (${loss.reason}) in the last ${secs} s; ${e.total} since ${iso(e.since)}`;
    e.lastReport = now;
    e.unreported = 0;
    this.#emit(loss.reason, e.total, msg, loss.cause ?? e.cause);
  }

  /**
   * A write succeeded: every outage under way ends, with one summary each if it lost more. A
   * write error ends at once; a full buffer (no system error) once it has lost nothing for
   * {@link SETTLE_MS}, so that an overload that drops some records every turn stays one episode.
   * `all` (close, exit) ends every episode, outage or not.
   */
  ended(all = false): void {
    const now = Date.now();
    for (const [reason, e] of this.#episodes) {
      if (!all && (!e.outage || (!e.cause && now - e.lastLoss < SETTLE_MS))) continue;
      this.#episodes.delete(reason);
      if (e.unreported === 0) continue;
      const secs = ((Date.now() - e.since) / 1000).toFixed(1);
      const msg = `fanin: ${reason} ended after ${secs} s: ${e.total} records lost since ${iso(e.since)}`;
      this.#emit(reason, e.total, msg, e.cause);
    }
  }

  #emit(reason: string, records: number, message: string, cause: unknown): void {
    const code =
      reason === 'closed' ? 'ERR_FANIN_CLOSED' : cause ? 'ERR_FANIN_WRITE' : 'ERR_FANIN_RECORD';
    try {
      this.#onError(new FaninWriteError(code, reason, records, message, cause));
    } catch {
      // A throwing onError must not break logging; the loss is already counted in stats().
    }
  }
}

/** How long a full buffer must go without a loss before a successful write ends its episode. */
export const SETTLE_MS = 1000;

const iso = (ms: number): string => new Date(ms).toISOString();
