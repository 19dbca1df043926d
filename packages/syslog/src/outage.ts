import { FaninError } from '@fanin/core';

/**
 * One collector outage: reported once when it starts and once when it ends (with its length and
 * the attempts it took), and the capped, jittered back-off between attempts to end it.
 */
export class Outage {
  readonly #minMs: number;
  readonly #maxMs: number;
  readonly #report: (err: FaninError) => void;
  #since = 0;
  #attempts = 0;
  #retry: NodeJS.Timeout | undefined;

  constructor(minMs: number, maxMs: number, report: (err: FaninError) => void) {
    this.#minMs = minMs;
    this.#maxMs = maxMs;
    this.#report = report;
  }

  /** True from a failed or lost session until a session opens. */
  get active(): boolean {
    return this.#since > 0;
  }

  /** True while an attempt waits for its back-off. */
  get waiting(): boolean {
    return this.#retry !== undefined;
  }

  /** A session failed or was lost: reports `err` if this starts an outage; retries after back-off. */
  failed(err: FaninError, retry: () => void): void {
    if (this.#since === 0) {
      this.#since = Date.now();
      this.#report(err);
    }
    const cap = Math.min(this.#maxMs, this.#minMs * 2 ** Math.min(this.#attempts, 30));
    this.#attempts++;
    // "Equal jitter": half the capped delay fixed, half random, so that many writers that lost
    // the same collector do not reconnect in step.
    const delay = cap / 2 + Math.random() * (cap / 2);
    clearTimeout(this.#retry);
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      retry();
    }, delay).unref();
  }

  /** A session opened: reports the end of the outage, if one was on. */
  ended(): void {
    if (this.#since > 0) {
      const ms = Date.now() - this.#since;
      const why = `collector reachable again after ${ms} ms and ${this.#attempts} attempts; spooled records are being sent`;
      this.#report(new FaninError('ERR_FANIN_WRITE', `fanin syslog: ${why}`));
    }
    this.#since = 0;
    this.#attempts = 0;
  }

  /** Cancels the pending attempt; returns true if there was one. */
  cancel(): boolean {
    const had = this.#retry !== undefined;
    clearTimeout(this.#retry);
    this.#retry = undefined;
    return had;
  }
}
