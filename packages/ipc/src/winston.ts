import { FaninFileTransport, type WinstonFileOptions } from '@fanin/core';
import { type IpcOptions, ipcSpec } from './ipc-options.js';
import { IpcWriter } from './ipc-writer.js';

/** winston `File` options plus the IPC writer's own (`via` is required). */
export type IpcTransportOptions = IpcOptions & WinstonFileOptions;

/**
 * A winston transport that funnels every process's records to one writer process, which
 * writes and rotates the file. The same options in every process.
 *
 * @example
 * winston.createLogger({ transports: [new IpcTransport({ filename: 'logs/app.log', via: 'cluster' })] });
 */
export class IpcTransport extends FaninFileTransport {
  declare readonly writer: IpcWriter;
  constructor(options: IpcTransportOptions) {
    super(options as unknown as Record<string, unknown>, {
      name: 'IpcTransport',
      options: ipcSpec,
      createWriter: (o, where) => new IpcWriter(o as unknown as IpcOptions, where),
    });
  }
}
