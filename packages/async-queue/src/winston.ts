import { FaninFileTransport, transportSpec, type WinstonFileOptions } from '@fanin/core';
import { type AsyncQueueOptions, asyncQueueSpec } from './async-queue-options.js';
import type { AsyncQueueWriter } from './async-queue-writer.js';
import { createAsyncQueueWriter } from './create.js';

const spec = transportSpec('AsyncQueueTransport', createAsyncQueueWriter, asyncQueueSpec);

/** winston `File` options plus the queue's own. */
export type AsyncQueueTransportOptions = AsyncQueueOptions & WinstonFileOptions;

/**
 * A winston transport whose `log()` only copies the formatted record into a shared ring; a
 * worker thread writes it. winston's level (`info[Symbol.for('level')]`) picks the full policy.
 *
 * @example
 * new AsyncQueueTransport({ filename: 'logs/app.log', whenFullByLevel: { debug: 'drop' } });
 */
export class AsyncQueueTransport extends FaninFileTransport {
  constructor(options: AsyncQueueTransportOptions = {}) {
    super(options, spec);
  }

  /** Resolves once the writer thread runs (see {@link AsyncQueueWriter.ready}). */
  ready(): Promise<void> {
    return (this.writer as AsyncQueueWriter).ready();
  }
}
