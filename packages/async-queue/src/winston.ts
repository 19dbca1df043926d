import { FaninTransport } from '@fanin/core';
import type TransportStream from 'winston-transport';
import { type AsyncQueueOptions, asyncQueueSpec } from './async-queue-options.js';
import { createAsyncQueueWriter } from './create.js';

/** winston `File` options plus the queue's own. */
export type AsyncQueueTransportOptions = AsyncQueueOptions &
  TransportStream.TransportStreamOptions & {
    dirname?: string;
    eol?: string;
    maxsize?: number;
    maxFiles?: number | string;
    tailable?: boolean;
    zippedArchive?: boolean;
    options?: { flags?: 'a'; mode?: number; encoding?: 'utf8' };
  };

/**
 * A winston transport whose `log()` only copies the formatted record into a shared ring; a
 * worker thread writes it. winston's level (`info[Symbol.for('level')]`) picks the full policy.
 *
 * @example
 * new AsyncQueueTransport({ filename: 'logs/app.log', whenFullByLevel: { debug: 'drop' } });
 */
export class AsyncQueueTransport extends FaninTransport {
  constructor(options: AsyncQueueTransportOptions = {}) {
    super(options as Record<string, unknown>, {
      name: 'AsyncQueueTransport',
      options: asyncQueueSpec,
      createWriter: (o, where) => createAsyncQueueWriter(o as AsyncQueueOptions, where),
    });
  }
}
