const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * Blocks the thread for `ms` without spinning (Atomics.wait on a private cell). Used only for
 * bounded back-off where the caller must stay synchronous: EAGAIN on a pipe, a busy rotation lock.
 */
export function blockFor(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

/**
 * Calls `attempt` until it returns true or `waitMs` have passed, blocking 1 ms between tries,
 * doubling to 20 ms: the bounded wait for a lock held by another process.
 */
export function retryFor(waitMs: number, attempt: () => boolean): boolean {
  const deadline = Date.now() + waitMs;
  for (let wait = 1; ; wait = Math.min(wait * 2, 20)) {
    if (attempt()) return true;
    if (Date.now() >= deadline) return false;
    blockFor(Math.min(wait, Math.max(1, deadline - Date.now())));
  }
}
