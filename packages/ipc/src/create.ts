import type { IpcOptions } from './ipc-options.js';
import { IpcWriter } from './ipc-writer.js';

/**
 * The framework-free IPC writer: the same call in every process.
 *
 * @example
 * const writer = createIpcWriter({ filename: 'logs/app.log', via: 'cluster' });
 * writer.write('{"msg":"hello"}\n', 'info');
 * await writer.close();
 */
export function createIpcWriter(options: IpcOptions, where = 'createIpcWriter'): IpcWriter {
  return new IpcWriter({ ...options }, where);
}
