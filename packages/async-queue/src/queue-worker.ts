import { parentPort, workerData } from 'node:worker_threads';
import { createAppendFileWriter } from '@fanin/append-file';
import type { BatchWriter, FaninError } from '@fanin/core';
import { createLockedFileWriter } from '@fanin/locked-file';
import {
  CLOSING,
  CONSUMER_SLEEPING,
  FILE_SINK,
  Ring,
  type RingMemory,
  RUNNING,
  STATE,
  TAKEN_OVER,
  WAKE,
  WRITTEN,
} from './ring.js';

/** What the application thread hands the writer thread. */
export interface QueueWorkerData {
  memory: RingMemory;
  writer: 'append' | 'locked';
  /** Writer options without functions (they cannot cross threads). */
  options: Record<string, unknown>;
  batchBytes: number;
}

const data = workerData as QueueWorkerData;
const port = parentPort;
const ring = new Ring(data.memory);
const sleepWord = ring.ctrl;

function report(err: FaninError): void {
  port?.postMessage({ type: 'error', code: err.code, message: err.message });
}

const options = { ...data.options, exitHook: false, onError: report };
const writer: BatchWriter =
  data.writer === 'locked' ? createLockedFileWriter(options) : createAppendFileWriter(options);

let lastStats = 0;
function postStats(force: boolean): void {
  const now = Date.now();
  if (!force && now - lastStats < 100) return;
  lastStats = now;
  port?.postMessage({ type: 'stats', stats: writer.stats() });
}

// Drains everything in the ring, one writer batch (one write(2)) per `batchBytes`. The tail is
// published only after the write, so a record leaves the ring only once it is in the file.
// A regular file takes a block of records in one write: copy them out of the ring back to back
// (one copy, no per-record objects). A pipe gets them one by one, so that the writer keeps each
// record within PIPE_BUF unframed.
const scratch = Buffer.allocUnsafe(data.batchBytes);
const byBlock = () =>
  writer.sink.atomicLimit === Number.POSITIVE_INFINITY && data.options.lazy !== true;

function drain(): void {
  while (ring.used() > 0 && Atomics.load(ring.ctrl, STATE) !== TAKEN_OVER) {
    let n = 0;
    let tail: number;
    if (byBlock()) {
      const out = ring.copyOut(scratch);
      writer.writeBlock(out.block, out.records);
      n = out.records;
      tail = out.tail;
    } else {
      // A pipe: the application thread sends single records only (FILE_SINK is not set).
      tail = ring.peek(data.batchBytes, (record, count) => {
        if (count > 1) writer.writeBlock(record, count);
        else writer.write(record);
        n += count;
      });
    }
    writer.flushSync();
    Atomics.add(ring.ctrl, WRITTEN, n);
    ring.release(tail);
    postStats(false);
    backOffAfterErrors();
  }
}

// The writer counted and dropped a failed batch (ENOSPC, EIO): wait before the next one, so
// records stay in the ring (where the application's full policy applies) instead of being
// dropped batch after batch at full speed. Doubles from retryMinMs to retryMaxMs.
let errorsSeen = 0;
let backoffMs = 0;
function backOffAfterErrors(): void {
  const errors = writer.stats().writeErrors;
  if (errors === errorsSeen) {
    backoffMs = 0;
    return;
  }
  errorsSeen = errors;
  const min = (data.options.retryMinMs as number | undefined) ?? 100;
  const max = (data.options.retryMaxMs as number | undefined) ?? 5000;
  backoffMs = Math.min(Math.max(backoffMs * 2, min), max);
  postStats(true);
  Atomics.wait(ring.ctrl, STATE, RUNNING, backoffMs);
}

// Between batches the thread lingers: it polls the ring every LINGER_MS without telling the
// producer it sleeps, so the application thread skips Atomics.notify (a futex wake and a
// context switch each) and the next drain finds several event-loop turns' records for one
// write(2). After IDLE_POLLS empty polls it sleeps until woken, with no timeout: the thread is
// unref'd, and the application thread wakes it for records, flushes and close. The cost is at
// most LINGER_MS more latency per batch.
const LINGER_MS = 1;
const IDLE_POLLS = 5;

function loop(): void {
  let idle = 0;
  for (;;) {
    if (ring.used() > 0) {
      drain();
      idle = 0;
    }
    if (Atomics.load(ring.ctrl, STATE) !== RUNNING) return;
    const seen = Atomics.load(sleepWord, WAKE);
    if (idle++ < IDLE_POLLS) {
      Atomics.wait(sleepWord, WAKE, seen, LINGER_MS);
      continue;
    }
    Atomics.store(ring.ctrl, CONSUMER_SLEEPING, 1);
    if (ring.used() === 0 && Atomics.load(ring.ctrl, STATE) === RUNNING) {
      Atomics.wait(sleepWord, WAKE, seen);
    }
    Atomics.store(ring.ctrl, CONSUMER_SLEEPING, 0);
    idle = 0;
  }
}

// Tell the application thread that blocks of joined records are welcome (see FILE_SINK).
if (byBlock()) Atomics.store(ring.ctrl, FILE_SINK, 1);
loop();
if (Atomics.load(ring.ctrl, STATE) === CLOSING) drain();
postStats(true);
writer.close().then(() => {
  postStats(true);
  port?.postMessage({ type: 'closed' });
});
