import type { WriterStats } from './stats.js';

type Counter =
  | 'records'
  | 'bytes'
  | 'writeErrors'
  | 'retries'
  | 'rotations'
  | 'reopenings'
  | 'chunkedRecords'
  | 'queueDepth'
  | 'queueBytes';

const COUNTERS: readonly Counter[] = [
  'records',
  'bytes',
  'writeErrors',
  'retries',
  'rotations',
  'reopenings',
  'chunkedRecords',
  'queueDepth',
  'queueBytes',
];

const addInto = (to: Record<string, number>, from: Record<string, number>): void => {
  for (const [k, v] of Object.entries(from)) to[k] = (to[k] ?? 0) + v;
};

/**
 * A writer's own stats plus those of the writers it delegates to (a file writer under a queue
 * or a forwarder): every counter summed, drops merged by reason and level. Each child counts
 * once even if listed twice; `undefined` children (not created yet) are skipped. The parent's
 * `lock`, `queue` and `ipc` parts are kept, a child's `lock` is taken when the parent has none.
 *
 * @example
 * stats(): WriterStats { return mergeStats(this.#account.stats(d, b), [this.#file?.stats()]); }
 */
export function mergeStats(own: WriterStats, children: (WriterStats | undefined)[]): WriterStats {
  const out: WriterStats = { ...own, dropped: { ...own.dropped } };
  const byReason = { ...own.dropped.byReason };
  const byLevel = { ...own.dropped.byLevel };
  const seen = new Set<WriterStats>();
  for (const s of children) {
    if (!s || seen.has(s) || s === own) continue;
    seen.add(s);
    for (const k of COUNTERS) out[k] += s[k];
    if (s.reopenFailures !== undefined) {
      out.reopenFailures = (out.reopenFailures ?? 0) + s.reopenFailures;
    }
    if (s.rotationLockTimeouts !== undefined) {
      out.rotationLockTimeouts = (out.rotationLockTimeouts ?? 0) + s.rotationLockTimeouts;
    }
    out.dropped.total += s.dropped.total;
    addInto(byReason, s.dropped.byReason);
    addInto(byLevel, s.dropped.byLevel);
    if (!out.lock && s.lock) out.lock = s.lock;
  }
  out.dropped.byReason = byReason;
  out.dropped.byLevel = byLevel;
  return out;
}
