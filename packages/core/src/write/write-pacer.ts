/** Options of {@link WritePacer}, as the batch writer takes them. */
export interface PacerOptions {
  retryMinMs: number;
  retryMaxMs: number;
  flushIntervalMs: number;
  minWriteIntervalMs: number;
}

/**
 * When the batch writer writes: at the end of the turn (or `flushIntervalMs` after the first
 * record), no sooner than `minWriteIntervalMs` after the last write to a regular file, and after
 * a failure only once the back-off (doubling from `retryMinMs` to `retryMaxMs`) has passed.
 * Timers of the back-off and of `flushIntervalMs` are unref'd; the end-of-turn ones are ref'd,
 * as setImmediate is (the process stays up at most that long to write its records).
 *
 * @example
 * const pacer = new WritePacer(options, () => writer.drain());
 * pacer.schedule(true);
 */
export class WritePacer {
  readonly #o: PacerOptions;
  readonly #run: () => void;
  #scheduled = false;
  // performance.now() of the last successful write, for minWriteIntervalMs.
  #lastWriteAt = Number.NEGATIVE_INFINITY;
  #gapFrom = 0;
  #retryTimer: NodeJS.Timeout | undefined;
  /** Current back-off; 0 while writes succeed. */
  backoffMs = 0;
  /** Date.now() before which no write is tried (unless forced). */
  retryAt = 0;

  constructor(options: PacerOptions, run: () => void) {
    this.#o = options;
    this.#run = run;
  }

  get scheduled(): boolean {
    return this.#scheduled;
  }

  /** Arranges a drain for the records queued this turn; `regularFile` enables the write gap. */
  schedule(regularFile: boolean): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    if (this.#o.flushIntervalMs > 0) setTimeout(this.#fire, this.#o.flushIntervalMs).unref();
    else this.#afterGap(regularFile);
  }

  /** A write landed now. */
  wrote(): void {
    if (this.#o.minWriteIntervalMs > 0) this.#lastWriteAt = performance.now();
  }

  /** A write failed: the back-off doubles. */
  failed(): void {
    this.backoffMs = Math.min(Math.max(this.backoffMs * 2, this.#o.retryMinMs), this.#o.retryMaxMs);
    this.retryAt = Date.now() + this.backoffMs;
  }

  /** A write succeeded after failures. */
  recovered(): void {
    this.backoffMs = 0;
    this.retryAt = 0;
  }

  /** Wait `ms` before the next try (a busy lock), without changing the back-off. */
  waitFor(ms: number): void {
    this.retryAt = Date.now() + ms;
    this.armRetry();
  }

  /** Whether a non-forced drain must wait for the back-off. */
  get waiting(): boolean {
    return Date.now() < this.retryAt;
  }

  /** A retry when the back-off ends (one timer at most, unref'd). */
  armRetry(): void {
    if (this.#retryTimer !== undefined) return;
    const ms = Math.max(1, this.retryAt - Date.now());
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#run();
    }, ms);
    this.#retryTimer.unref();
  }

  stop(): void {
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
  }

  readonly #fire = (): void => {
    this.#scheduled = false;
    this.#run();
  };

  // At the end of the turn, unless the last write is younger than minWriteIntervalMs: then once
  // it is that old, or as long after a write (a full batch) made while waiting.
  #afterGap(regularFile: boolean): void {
    const gap = regularFile ? this.#o.minWriteIntervalMs : 0;
    const wait = gap === 0 ? 0 : this.#lastWriteAt + gap - performance.now();
    if (wait <= 0) {
      setImmediate(this.#fire);
      return;
    }
    this.#gapFrom = this.#lastWriteAt;
    setTimeout(() => {
      if (this.#lastWriteAt !== this.#gapFrom) this.#afterGap(regularFile);
      else this.#fire();
    }, Math.ceil(wait));
  }
}

/**
 * A ref'd wait, on purpose: a caller awaiting flush() or close() must not see the process exit
 * under it (the background retry timer, by contrast, is unref'd and never keeps one alive).
 */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
