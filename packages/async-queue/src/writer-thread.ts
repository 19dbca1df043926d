import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { FaninError, type FileEvent, type WriterStats } from '@fanin/core';
import type { QueueWorkerData } from './queue-worker.js';

const workerFile = path.join(__dirname, 'queue-worker.cjs');

/** What the writer thread tells the calling thread. */
export interface WriterThreadEvents {
  /** Its writer's stats (at most every 100 ms, and at the end). */
  stats(stats: WriterStats): void;
  /** A write error its writer reported. */
  error(err: FaninError): void;
  /** A file event of its writer (only when asked for with `fileEvents`). */
  fileEvent(event: FileEvent): void;
  /** It died (crashed, or exited before close): the calling thread must take over. */
  died(err: Error): void;
}

/** The writer thread, started. */
export interface WriterThread {
  worker: Worker;
  /** Resolves once the thread runs with its file open (or has exited). */
  ready: Promise<void>;
  /** Resolves once the thread has closed its writer (or has exited). */
  closed: Promise<void>;
  /**
   * Keeps the process alive while `work` runs (a `flush()` or `close()` someone awaits must not
   * see the process end under it: the thread is unref'd, and Atomics.waitAsync holds nothing).
   */
  holding<T>(work: () => Promise<T>): Promise<T>;
}

/**
 * Starts the writer thread on `data`. The thread never keeps the process alive: it is unref'd
 * after its listeners are attached, since on Node 20 attaching a 'message' listener refs the
 * worker again (issue #16, item 3: a logger that was never closed held its process open for
 * ever). Nothing is lost by that: at exit the exit hook drains the ring synchronously.
 */
export function startWriterThread(
  data: QueueWorkerData,
  on: WriterThreadEvents,
  isClosing: () => boolean,
): WriterThread {
  const worker = new Worker(workerFile, { workerData: data });
  let ready = () => {};
  let closed = () => {};
  let holds = 0;
  const thread: WriterThread = {
    worker,
    ready: new Promise((resolve) => {
      ready = resolve;
    }),
    closed: new Promise((resolve) => {
      closed = resolve;
    }),
    holding: async (work) => {
      if (holds++ === 0) worker.ref();
      try {
        return await work();
      } finally {
        if (--holds === 0) worker.unref();
      }
    },
  };
  type Message = { type: string; stats?: WriterStats; message?: string; event?: FileEvent };
  worker.on('message', (m: Message) => {
    if (m.type === 'stats') on.stats(m.stats as WriterStats);
    else if (m.type === 'file-event') on.fileEvent(m.event as FileEvent);
    else if (m.type === 'error') on.error(new FaninError('ERR_FANIN_WRITE', m.message ?? ''));
    else if (m.type === 'ready') ready();
    else if (m.type === 'closed') closed();
  });
  worker.on('error', (err) => on.died(err));
  worker.on('exit', () => {
    if (!isClosing()) on.died(new Error('the writer thread exited'));
    ready();
    closed();
  });
  worker.unref();
  return thread;
}
