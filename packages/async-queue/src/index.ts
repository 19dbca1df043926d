export type { AsyncQueueOptions } from './async-queue-options.js';
export { asyncQueueSpec } from './async-queue-options.js';
export { AsyncQueueWriter } from './async-queue-writer.js';
export { createAsyncQueueWriter } from './create.js';
export { configure } from './log4js.js';
export type { AsyncQueueTransportOptions } from './winston.js';
export { AsyncQueueTransport } from './winston.js';
