import type { AsyncQueueOptions } from './async-queue-options.js';
import { AsyncQueueWriter } from './async-queue-writer.js';

/**
 * The framework-free async-queue writer.
 *
 * @example
 * const writer = createAsyncQueueWriter({ filename: 'logs/app.log', capacityBytes: '8M', whenFull: { blockMs: 200 } });
 * writer.write('{"msg":"hello"}\n', 'info');
 * await writer.close();
 */
export function createAsyncQueueWriter(
  options: AsyncQueueOptions,
  where = 'createAsyncQueueWriter',
): AsyncQueueWriter {
  return new AsyncQueueWriter({ ...options }, where);
}
