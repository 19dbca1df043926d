import { FaninTransport } from '@fanin/core';
import type TransportStream from 'winston-transport';
import {
  createLockedFileWriter,
  type LockedFileOptions,
  lockedFileSpec,
} from './locked-file-writer.js';

/** winston `File` options plus the locked-file writer's own. */
export type LockedFileTransportOptions = LockedFileOptions &
  TransportStream.TransportStreamOptions & {
    dirname?: string;
    eol?: string;
    maxsize?: number;
    maxFiles?: number;
    tailable?: boolean;
    zippedArchive?: boolean;
    options?: { flags?: 'a'; mode?: number; encoding?: 'utf8' };
  };

/**
 * A drop-in for `winston.transports.File` for network file systems: batches of whole records
 * (of any size, no framing) are written under proper-lockfile's lock, one lock per batch.
 *
 * @example
 * winston.createLogger({ transports: [new LockedFileTransport({ filename: '/mnt/nfs/app.log' })] });
 */
export class LockedFileTransport extends FaninTransport {
  constructor(options: LockedFileTransportOptions = {}) {
    super(options as Record<string, unknown>, {
      name: 'LockedFileTransport',
      options: lockedFileSpec,
      createWriter: (o, where) => createLockedFileWriter(o as LockedFileOptions, where),
    });
  }
}
