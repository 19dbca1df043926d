import {
  type FaninError,
  FaninWriteError,
  LossLedger,
  StatsCounter,
  type WriterStats,
  warnOnce,
} from '@fanin/core';
import type { AsyncQueueOptions } from './async-queue-options.js';
import { queueNotice } from './queue-notice.js';

/** What the queue knows of its parts when {@link QueueAccount.stats} merges them. */
export interface QueueParts {
  /** The writer thread's writer, as last posted by the thread. */
  worker: WriterStats | undefined;
  /** The calling thread's synchronous writer, if it was ever needed. */
  fallback: WriterStats | undefined;
  /** Records the writer thread has written (the ring's WRITTEN counter). */
  written: number;
  /** Records the calling thread still holds or has in the ring. */
  queueDepth: number;
  capacityBytes: number;
  usedBytes: number;
  fallbackWrites: number;
  workerAlive: boolean;
}

type Summed =
  | 'records'
  | 'bytes'
  | 'writeErrors'
  | 'retries'
  | 'rotations'
  | 'reopenings'
  | 'chunkedRecords';
const SUMMED: Summed[] = [
  'records',
  'bytes',
  'writeErrors',
  'retries',
  'rotations',
  'reopenings',
  'chunkedRecords',
];

/**
 * The queue's loss account, in one place: every record the calling thread drops is counted here
 * (by reason and level), reported through `onError` once when a reason starts, and summed into
 * the drop summary that goes into the log; `stats()` merges the calling thread's counters with
 * the writer thread's and the fallback writer's. (The one place to switch when core's writer
 * account lands.)
 */
export class QueueAccount {
  readonly #stats = new StatsCounter();
  readonly #ledger: LossLedger;
  readonly #onError: (err: FaninError) => void;
  readonly #noticeIntervalMs: number;
  // Reasons already reported since the last drop summary went into the log.
  readonly #reported = new Set<string>();

  constructor(o: AsyncQueueOptions) {
    this.#ledger = new LossLedger(o.formatNotice === null ? null : (o.formatNotice ?? queueNotice));
    this.#onError = o.onError ?? warnOnce;
    this.#noticeIntervalMs = o.noticeIntervalMs ?? 5000;
  }

  /** Counts `records` dropped for `reason`; reports the first of each reason once. */
  drop(reason: string, records: number, level?: string): void {
    if (records <= 0) return;
    this.#stats.drop(reason, records, level);
    this.#ledger.add(reason, records, level);
    if (this.#reported.has(reason)) return;
    this.#reported.add(reason);
    const why = `fanin: async-queue dropped ${records} record(s) (${reason}); the drop summary in the log will give the count`;
    const code = reason === 'closed' ? 'ERR_FANIN_CLOSED' : 'ERR_FANIN_RECORD';
    this.report(new FaninWriteError(code, reason, records, why));
  }

  /** Tells `onError` (a throwing handler must not break logging). */
  report(err: FaninError): void {
    try {
      this.#onError(err);
    } catch {
      // The loss is counted in stats() either way.
    }
  }

  /** The drop summary when one is due (`now`: at once), else undefined. */
  notice(now = false): string | undefined {
    return this.#ledger.due(now, this.#noticeIntervalMs);
  }

  /** The summary returned by {@link notice} is in the log: a new outage starts from zero. */
  noticeWritten(): void {
    this.#ledger.written();
    this.#reported.clear();
  }

  /** The queue's stats: its own drops plus what the writer thread and the fallback wrote. */
  stats(p: QueueParts): WriterStats {
    const main = this.#stats.snapshot(0, 0);
    const sum = (k: Summed) => (p.worker?.[k] ?? 0) + (p.fallback?.[k] ?? 0) + main[k];
    const byReason = { ...main.dropped.byReason };
    const byLevel = { ...main.dropped.byLevel };
    for (const s of [p.worker, p.fallback]) {
      for (const [r, n] of Object.entries(s?.dropped.byReason ?? {}))
        byReason[r] = (byReason[r] ?? 0) + n;
      for (const [l, n] of Object.entries(s?.dropped.byLevel ?? {}))
        byLevel[l] = (byLevel[l] ?? 0) + n;
    }
    const out = Object.fromEntries(SUMMED.map((k) => [k, sum(k)])) as Record<Summed, number>;
    return {
      ...out,
      // The thread posts its stats at most every 100 ms; the ring's counter is always current.
      records: Math.max(out.records, p.written + (p.fallback?.records ?? 0)),
      dropped: {
        total: Object.values(byReason).reduce((a, b) => a + b, 0),
        byReason,
        byLevel,
      },
      ...(p.worker?.lock ? { lock: p.worker.lock } : {}),
      queueDepth: p.queueDepth,
      queueBytes: p.usedBytes,
      queue: {
        capacityBytes: p.capacityBytes,
        usedBytes: p.usedBytes,
        fallbackWrites: p.fallbackWrites,
        workerAlive: p.workerAlive,
      },
    };
  }
}
