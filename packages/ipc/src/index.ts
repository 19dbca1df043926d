export { createIpcWriter } from './create.js';
export type {
  IpcDestination,
  IpcDestinationContext,
  IpcDestinationFactory,
  IpcDestinationSpec,
} from './destination.js';
export type { IpcOptions, Via } from './ipc-options.js';
export { ipcSpec } from './ipc-options.js';
export type { IpcPeerStats, IpcWriterStats } from './ipc-stats.js';
export { IpcWriter } from './ipc-writer.js';
export { configure } from './log4js.js';
export type { IpcTransportOptions } from './winston.js';
export { IpcTransport } from './winston.js';
