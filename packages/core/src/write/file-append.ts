import { errnoCode } from '../contract/errors.js';
import { blockFor } from '../system/block-for.js';
import type { FileDriver } from '../system/file-driver.js';

const IOV_MAX = 1024;

/** Where {@link appendAll} writes, and how long it may wait on a full pipe. */
export interface AppendTo {
  driver: FileDriver;
  fd: number;
  /** How long a write may keep failing with EAGAIN before it gives up. */
  eagainTimeoutMs: number;
  /** Incremented on every retry (short write, EINTR, EAGAIN). */
  counters: { retries: number };
}

/**
 * Appends `parts` back to back as one `writev(2)` (or one `write(2)` of them joined), going on
 * after a short write and EINTR, and waiting on EAGAIN (a full non-blocking pipe) with a bounded
 * back-off: 1 ms doubling to 100 ms, at most `eagainTimeoutMs` in all. A failure is rethrown
 * with `bytesWritten`, the bytes of `parts` that landed before it.
 *
 * @example
 * appendAll({ driver, fd, eagainTimeoutMs: 2000, counters }, [Buffer.from('x\n')]);
 */
export function appendAll(to: AppendTo, parts: Uint8Array[]): void {
  // Without writev in the driver, the parts are joined: never one write(2) per part, which
  // would let another process's append land between them.
  // Past IOV_MAX (1024 on Linux) writev fails with EINVAL: join those too.
  if (parts.length > 1 && (!to.driver.writev || parts.length > IOV_MAX)) {
    parts = [Buffer.concat(parts)];
  }
  let rest = parts;
  let at = 0;
  let left = parts.reduce((n, p) => n + p.byteLength, 0);
  let waitedMs = 0;
  let waitMs = 1;
  while (left > 0) {
    try {
      const n = writeOnce(to, rest);
      // A short write: write(2) may write less than asked (signal, quota, ENOSPC on the way).
      if (n < left) {
        to.counters.retries++;
        rest = after(rest, n);
      }
      at += n;
      left -= n;
    } catch (err) {
      const code = errnoCode(err);
      if (code === 'EINTR') {
        to.counters.retries++;
        continue;
      }
      if (code !== 'EAGAIN' || waitedMs >= to.eagainTimeoutMs) {
        throw Object.assign(err as Error, { bytesWritten: at });
      }
      // A non-blocking pipe is full (the reader is slow): wait for it, bounded, with back-off.
      to.counters.retries++;
      const ms = Math.min(waitMs, Math.max(1, to.eagainTimeoutMs - waitedMs));
      blockFor(ms);
      waitedMs += ms;
      waitMs = Math.min(waitMs * 2, 100);
    }
  }
}

function writeOnce(to: AppendTo, rest: Uint8Array[]): number {
  if (rest.length === 1) return to.driver.write(to.fd, rest[0] as Uint8Array);
  return (to.driver.writev as (fd: number, parts: Uint8Array[]) => number)(to.fd, rest);
}

// The parts left after the first `n` bytes of `parts` were written.
function after(parts: Uint8Array[], n: number): Uint8Array[] {
  let i = 0;
  while (i < parts.length && n >= (parts[i] as Uint8Array).byteLength) {
    n -= (parts[i] as Uint8Array).byteLength;
    i++;
  }
  const rest = parts.slice(i);
  if (n > 0) rest[0] = (rest[0] as Uint8Array).subarray(n);
  return rest;
}
