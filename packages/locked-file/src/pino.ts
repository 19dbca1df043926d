import { pinoTarget } from '@fanin/core';
import { createLockedFileWriter } from './locked-file-writer.js';

/**
 * `pino.transport({ target: '@fanin/locked-file/pino', options })`: pino formats on the calling
 * thread, this writes from thread-stream's worker. `options` are those of `createLockedFileWriter`.
 *
 * @example
 * const logger = pino(pino.transport({ target: '@fanin/locked-file/pino', options: { filename: 'app.log' } }));
 */
export default pinoTarget((options: Parameters<typeof createLockedFileWriter>[0]) =>
  createLockedFileWriter(options, '@fanin/locked-file/pino'),
);
