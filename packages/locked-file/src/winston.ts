import { FaninFileTransport, transportSpec, type WinstonFileOptions } from '@fanin/core';
import {
  createLockedFileWriter,
  type LockedFileOptions,
  lockedFileSpec,
} from './locked-file-writer.js';

const spec = transportSpec('LockedFileTransport', createLockedFileWriter, lockedFileSpec);

/** winston `File` options plus the locked-file writer's own. */
export type LockedFileTransportOptions = LockedFileOptions & WinstonFileOptions;

/**
 * A drop-in for `winston.transports.File` for network file systems: batches of whole records
 * (of any size, no framing) are written under proper-lockfile's lock, one lock per batch.
 *
 * @example
 * winston.createLogger({ transports: [new LockedFileTransport({ filename: '/mnt/nfs/app.log' })] });
 */
export class LockedFileTransport extends FaninFileTransport {
  constructor(options: LockedFileTransportOptions = {}) {
    super(options, spec);
  }
}
