import { pinoTarget } from '@fanin/core';
import { createSyslogWriter } from './syslog-writer.js';

/**
 * `pino.transport({ target: '@fanin/syslog/pino', options })`: pino formats on the calling
 * thread, this writes from thread-stream's worker. `options` are those of `createSyslogWriter`.
 *
 * @example
 * const logger = pino(pino.transport({ target: '@fanin/syslog/pino', options: { filename: 'app.log' } }));
 */
export default pinoTarget((options: Parameters<typeof createSyslogWriter>[0]) =>
  createSyslogWriter(options, '@fanin/syslog/pino'),
);
