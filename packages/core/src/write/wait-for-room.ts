import type { WhenFull } from '../contract/writer.js';
import { blockFor } from '../system/block-for.js';

/**
 * What a full buffer does to the caller, per `whenFull`: `'drop'` returns false at once;
 * `'block'` writes now, synchronously, ignoring the back-off (`drainNow`), once; `{ blockMs }`
 * keeps writing and waiting (1 ms doubling to 50 ms) for at most that long. True once `fits`.
 *
 * @example
 * if (!waitForRoom('block', () => writer.flushSync(), () => queued + size <= max)) drop();
 */
export function waitForRoom(policy: WhenFull, drainNow: () => void, fits: () => boolean): boolean {
  if (policy === 'drop') return false;
  const deadline = Date.now() + (policy === 'block' ? 0 : policy.blockMs);
  for (let wait = 1; ; wait = Math.min(wait * 2, 50)) {
    drainNow();
    if (fits()) return true;
    if (Date.now() >= deadline) return false;
    blockFor(Math.min(wait, deadline - Date.now()));
  }
}
