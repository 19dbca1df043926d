/**
 * Counts records added and records done (acknowledged by the writer, or written here) and
 * calls back those waiting for every record added up to their call: flush, close, onWritten.
 */
export class Completion {
  #added = 0;
  #done = 0;
  #waiters: { upTo: number; callback: () => void }[] = [];

  added(n = 1): void {
    this.#added += n;
  }

  finished(n: number): void {
    this.#done += n;
    while (this.#waiters.length > 0 && (this.#waiters[0]?.upTo ?? 0) <= this.#done) {
      this.#waiters.shift()?.callback();
    }
  }

  /** Calls back once every record added so far is done. */
  onDone(callback: () => void): void {
    if (this.#done >= this.#added) queueMicrotask(callback);
    else this.#waiters.push({ upTo: this.#added, callback });
  }

  /** Resolves true once every record added so far is done, or false after `ms`. */
  whenDone(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = Number.isFinite(ms) ? setTimeout(() => resolve(false), ms) : undefined;
      this.onDone(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}
