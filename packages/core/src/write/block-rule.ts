import type { Sink } from './sink.js';

/**
 * The atomic-write rule for blocks, in one place: a block of whole records may be written with
 * one `write(2)`/`writev(2)`, unframed, only to a target that is open and keeps any write whole
 * (a regular file, or a file under a lock). A lazy target's kind is unknown until it opens:
 * {@link learnKind} opens it first.
 *
 * @example
 * if (takesBlocks(sink)) queue.addBlocks(blocks, n); else for (const r of linesOf(b)) write(r);
 */
export function takesBlocks(sink: Sink): boolean {
  return sink.opened && sink.atomicLimit === Number.POSITIVE_INFINITY;
}

/** Opens a lazy sink so that its kind is known; a failure is left to the writes that follow. */
export function learnKind(sink: Sink): void {
  if (sink.opened) return;
  try {
    sink.prepare(0);
  } catch {
    // Not open yet: the records go one by one, and their write reports the failure.
  }
}
