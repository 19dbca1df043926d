import type { LossNotice } from '../contract/writer.js';

/**
 * The loss notice, in its one format: one JSON line that log tooling can parse beside the app's
 * records. Every writer writes this (or the user's `formatNotice`), never its own variant.
 *
 * @example
 * {"level":"warn","message":"fanin: 12 records lost (ENOSPC: 12) since 2026-11-23T12:00:00.000Z","fanin":{…}}
 */
export function defaultNotice(n: LossNotice): string {
  const reasons = Object.entries(n.byReason)
    .map(([r, c]) => `${r}: ${c}`)
    .join(', ');
  const message = `fanin: ${n.lost} records lost (${reasons}) since ${n.since.toISOString()}`;
  return `${JSON.stringify({ level: 'warn', message, fanin: { ...n, since: n.since.toISOString() } })}\n`;
}

/**
 * Losses not yet noted in the log itself, and when the last notice was written. Every reason
 * counts, `closed` too (its notice is written at exit, after the writer reopens for it).
 *
 * @example
 * const ledger = new LossLedger(defaultNotice);
 * ledger.add('ENOSPC', 3, 'info');
 * const text = ledger.due(true, 0); // the notice line, then, once it is written:
 * ledger.written();
 */
export class LossLedger {
  #lost = 0;
  #byReason = new Map<string, number>();
  #byLevel = new Map<string, number>();
  #since: Date | undefined;
  #lastWritten = 0;
  readonly #format: ((notice: LossNotice) => string) | null;

  constructor(format: ((notice: LossNotice) => string) | null) {
    this.#format = format;
  }

  /** Records lost and not yet noted in the log. */
  get pending(): number {
    return this.#format ? this.#lost : 0;
  }

  add(reason: string, n: number, level?: string): void {
    if (n <= 0) return;
    this.#lost += n;
    this.#since ??= new Date();
    this.#byReason.set(reason, (this.#byReason.get(reason) ?? 0) + n);
    if (level !== undefined) this.#byLevel.set(level, (this.#byLevel.get(level) ?? 0) + n);
  }

  /** Adds one record to the per-level count for each known level in `levels`. */
  addLevels(levels: readonly (string | undefined)[]): void {
    for (const level of levels) {
      if (level !== undefined) this.#byLevel.set(level, (this.#byLevel.get(level) ?? 0) + 1);
    }
  }

  /** The notice text when losses are pending and a notice is due, else `undefined`. */
  due(now: boolean, intervalMs: number): string | undefined {
    if (this.#lost === 0 || !this.#format) return undefined;
    if (!now && Date.now() - this.#lastWritten < intervalMs) return undefined;
    return this.#format({
      lost: this.#lost,
      byReason: Object.fromEntries(this.#byReason),
      byLevel: Object.fromEntries(this.#byLevel),
      since: this.#since ?? new Date(),
      pid: process.pid,
    });
  }

  /** The notice returned by `due` is in the log: start a new account. */
  written(): void {
    this.#lost = 0;
    this.#byReason.clear();
    this.#byLevel.clear();
    this.#since = undefined;
    this.#lastWritten = Date.now();
  }
}
