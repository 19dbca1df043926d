import { pinoTarget } from '@fanin/core';
import { createAsyncQueueWriter } from './create.js';

/**
 * `pino.transport({ target: '@fanin/async-queue/pino', options })`: pino formats on the calling
 * thread, this writes from thread-stream's worker. `options` are those of `createAsyncQueueWriter`.
 *
 * @example
 * const logger = pino(pino.transport({ target: '@fanin/async-queue/pino', options: { filename: 'app.log' } }));
 */
export default pinoTarget((options: Parameters<typeof createAsyncQueueWriter>[0]) =>
  createAsyncQueueWriter(options, '@fanin/async-queue/pino'),
);
