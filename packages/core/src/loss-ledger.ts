import type { LossNotice } from './writer.js';

/**
 * The default loss notice: one JSON line that log tooling can parse beside the app's records.
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

/** Losses not yet reported in the log itself, and when the last notice was written. */
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

  add(reason: string, n: number, level?: string): void {
    if (n <= 0 || reason === 'closed') return;
    this.#lost += n;
    this.#since ??= new Date();
    this.#byReason.set(reason, (this.#byReason.get(reason) ?? 0) + n);
    if (level !== undefined) this.#byLevel.set(level, (this.#byLevel.get(level) ?? 0) + n);
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
