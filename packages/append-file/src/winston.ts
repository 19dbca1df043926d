import { FaninFileTransport, type WinstonFileOptions } from '@fanin/core';
import { type AppendFileOptions, createAppendFileWriter } from './append-file-writer.js';

/** winston `File` options plus the append-file writer's own. */
export type AppendFileTransportOptions = AppendFileOptions & WinstonFileOptions;

/**
 * A drop-in for `winston.transports.File` that many processes can share: every record is
 * appended whole, in order per process, and nothing logged before `process.exit()` is lost.
 *
 * @example
 * winston.createLogger({ transports: [new AppendFileTransport({ filename: 'logs/app.log' })] });
 */
export class AppendFileTransport extends FaninFileTransport {
  constructor(options: AppendFileTransportOptions = {}) {
    super(options as Record<string, unknown>, {
      name: 'AppendFileTransport',
      createWriter: (o, where) => createAppendFileWriter(o as AppendFileOptions, where),
    });
  }
}
