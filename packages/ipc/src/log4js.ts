import { createLog4jsConfigure } from '@fanin/core';
import { type IpcOptions, ipcSpec } from './ipc-options.js';
import { IpcWriter } from './ipc-writer.js';

/**
 * log4js appender module: `{ type: '@fanin/ipc', filename: 'logs/app.log', via: 'cluster' }`.
 * Takes log4js `file` appender options plus `via`. Set `disableClustering: true` in the log4js
 * configuration: otherwise log4js itself sends cluster workers' events to the primary over its
 * own channel and never calls this appender in a worker.
 */
export const configure = createLog4jsConfigure({
  name: '@fanin/ipc',
  options: ipcSpec,
  createWriter: (o, where) => new IpcWriter(o as unknown as IpcOptions, where),
});
