import { createAppendFileWriter } from '@fanin/append-file';
import type { BatchWriter, FaninError } from '@fanin/core';
import { createLockedFileWriter } from '@fanin/locked-file';
import { type AsyncQueueOptions, workerOptionsOf } from './async-queue-options.js';

/**
 * The synchronous writer of the calling thread: for records too large for the ring, and for
 * everything once the writer thread is gone. Same target and options; no exit hook of its own
 * (the queue's exit hook flushes it).
 */
export function createFallback(
  o: AsyncQueueOptions,
  onError: (e: FaninError) => void,
): BatchWriter {
  const options = { ...workerOptionsOf(o), exitHook: false, onError };
  return o.writer === 'locked' ? createLockedFileWriter(options) : createAppendFileWriter(options);
}
