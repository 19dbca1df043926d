import type { FaninError } from '../contract/errors.js';
import type { FlushOutcome, LossNotice } from '../contract/writer.js';
import { registerExitFlush, type SyncFlushable } from '../exit/exit-hooks.js';
import { defaultNotice, LossLedger } from './loss-ledger.js';
import { LossReporter } from './loss-reporter.js';
import { StatsCounter, type WriterStats } from './stats.js';

/** Options of a {@link WriterAccount}: the loss-related options every writer takes. */
export interface AccountOptions {
  /** Loss reports: one when a loss starts, a summary when it ends or every `reportIntervalMs`. */
  onError?: (err: FaninError) => void;
  /** Formats the loss notice appended to the log; `null` to write none. @default a JSON line */
  formatNotice?: ((notice: LossNotice) => string) | null;
  /** At most one loss notice record per this interval while losses continue. @default 5000 */
  noticeIntervalMs?: number;
  /** While a loss goes on, at most one summary report per this interval. @default 60000 */
  reportIntervalMs?: number;
}

/** One loss, as a writer hands it to {@link WriterAccount.drop}. */
export interface Loss {
  reason: string;
  records: number;
  /** The level of a single record, when known. */
  level?: string;
  /** The level of each lost record (unknown ones `undefined`), for a batch. */
  levels?: readonly (string | undefined)[];
  /** Why, for the report (without the `fanin: ` prefix). @default "<n> record(s) dropped (<reason>)" */
  why?: string;
  /** The system error behind an I/O loss. */
  cause?: unknown;
  /** Ended by the next successful write (write errors, a full buffer). */
  outage?: boolean;
  /** The caller reported it already (a framework adapter): count and note it, do not report. */
  reported?: boolean;
}

/**
 * The loss account a writer composes: its counters, the ledger of losses not yet noted in the
 * log, and the one reporting policy ({@link LossReporter}). Every drop of every writer goes
 * through {@link WriterAccount.drop}: counted in `stats()` (by reason and by level), reported
 * once per episode, and noted in the log by the next loss notice.
 *
 * @example
 * const account = new WriterAccount({ onError: console.error });
 * account.drop({ reason: 'queue-full', records: 1, level: 'info' });
 * const text = account.noticeDue(true); // write it to the log, then:
 * account.noticeWritten();
 */
export class WriterAccount {
  /** The counters behind `stats()`. */
  readonly counters = new StatsCounter();
  readonly #ledger: LossLedger;
  readonly #reporter: LossReporter;
  readonly #noticeIntervalMs: number;

  constructor(options: AccountOptions = {}) {
    const onError = options.onError ?? reportWarning;
    this.#reporter = new LossReporter(onError, options.reportIntervalMs ?? 60_000);
    this.#ledger = new LossLedger(
      options.formatNotice === undefined ? defaultNotice : options.formatNotice,
    );
    this.#noticeIntervalMs = options.noticeIntervalMs ?? 5000;
  }

  /** Counts, reports (per the policy) and books for the log notice one loss. */
  drop(loss: Loss): void {
    if (loss.records <= 0) return;
    this.counters.drop(loss.reason, loss.records, loss.level);
    this.#ledger.add(loss.reason, loss.records, loss.level);
    if (loss.levels) {
      this.counters.dropLevels(loss.levels);
      this.#ledger.addLevels(loss.levels);
    }
    if (loss.reported) return;
    const why = loss.why ?? `${loss.records} record(s) dropped (${loss.reason})`;
    this.#reporter.lost({ ...loss, why });
  }

  /** Whether an outage (write errors, a full buffer) is under way. */
  get inOutage(): boolean {
    return this.#reporter.inOutage;
  }

  /** A write succeeded: ends the outages under way (one summary each, if they lost more). */
  succeeded(): void {
    this.#reporter.ended();
  }

  /** The writer closes: every episode ends, with its summary if it lost more than reported. */
  finish(): void {
    this.#reporter.ended(true);
  }

  /** Records lost and not yet noted in the log. */
  get unnoted(): number {
    return this.#ledger.pending;
  }

  /** The notice to write now, if one is pending and due (`now`: whatever the interval). */
  noticeDue(now: boolean): string | undefined {
    return this.#ledger.due(now, this.#noticeIntervalMs);
  }

  /** The notice from `noticeDue` is in the log. */
  noticeWritten(): void {
    this.#ledger.written();
  }

  /**
   * Registers `writer` for a synchronous flush at process exit (through core's exit hooks, which
   * report on stderr what its `flushSync` outcome says was abandoned). Returns the unhook.
   */
  registerExit(writer: SyncFlushable): () => void {
    return registerExitFlush(writer);
  }

  /** The outcome of a flush that started when `before` records were written. */
  outcome(before: number, abandoned: number, timedOut = abandoned > 0): FlushOutcome {
    return { written: this.counters.records - before, abandoned, timedOut };
  }

  /** A snapshot of the counters, with the queue as the writer sees it. */
  stats(queueDepth: number, queueBytes: number): WriterStats {
    return this.counters.snapshot(queueDepth, queueBytes);
  }
}

/** The default report: a process warning (the policy already keeps it to one per episode). */
export function reportWarning(err: FaninError): void {
  process.emitWarning(err.message, { code: err.code });
}
