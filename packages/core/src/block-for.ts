const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * Blocks the thread for `ms` without spinning (Atomics.wait on a private cell). Used only for
 * bounded back-off where the caller must stay synchronous: EAGAIN on a pipe, a busy rotation lock.
 */
export function blockFor(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}
