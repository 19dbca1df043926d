import { pinoTarget } from '@fanin/core';
import { createAppendFileWriter } from './append-file-writer.js';

/**
 * `pino.transport({ target: '@fanin/append-file/pino', options })`: pino formats on the calling
 * thread, this writes from thread-stream's worker. `options` are those of `createAppendFileWriter`.
 *
 * @example
 * const logger = pino(pino.transport({ target: '@fanin/append-file/pino', options: { filename: 'app.log' } }));
 */
export default pinoTarget((options: Parameters<typeof createAppendFileWriter>[0]) =>
  createAppendFileWriter(options, '@fanin/append-file/pino'),
);
