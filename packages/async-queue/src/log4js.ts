import { createLog4jsConfigure } from '@fanin/core';
import { type AsyncQueueOptions, asyncQueueSpec } from './async-queue-options.js';
import { createAsyncQueueWriter } from './create.js';

/**
 * log4js appender module: `{ type: '@fanin/async-queue', filename: 'logs/app.log', whenFull: 'drop' }`.
 * The event's level (`INFO`, `DEBUG`, …; matched case-insensitively) picks the full policy.
 */
export const configure = createLog4jsConfigure({
  name: '@fanin/async-queue',
  options: asyncQueueSpec,
  createWriter: (o, where) => createAsyncQueueWriter(o as AsyncQueueOptions, where),
});
