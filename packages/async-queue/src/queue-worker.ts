import { parentPort, workerData } from 'node:worker_threads';
import { type BatchWriter, type FaninError, nodeFileDriver } from '@fanin/core';
import { fileWriterFor } from './file-writer-for.js';
import {
  BEAT,
  CLOSING,
  CONSUMER_SLEEPING,
  FILE_SINK,
  OWNER,
  Ring,
  type RingMemory,
  RUNNING,
  STATE,
  TAIL,
  WAKE,
} from './ring.js';
import { beatingDriver, claimBatch, FREE, publishBatch } from './ring-owner.js';

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

// Every system call of the writer bumps BEAT: the calling thread sees this thread alive.
const driver = beatingDriver(nodeFileDriver, ring.ctrl);
const writer: BatchWriter = fileWriterFor(
  data.writer,
  { ...data.options, driver },
  report,
  'createAsyncQueueWriter',
);

let lastStats = 0;
function postStats(force: boolean): void {
  const now = Date.now();
  if (!force && now - lastStats < 100) return;
  lastStats = now;
  port?.postMessage({ type: 'stats', stats: writer.stats() });
}

// Drains the ring, one writer batch (one write(2)) per `batchBytes`. The tail is published only
// after the write, so a record leaves the ring only once it is in the file.
// A regular file takes the ring's entries (blocks of records) in one writev(2), straight from
// the shared memory (no copy, no per-record objects). A pipe gets them one by one, so that the
// writer keeps each record within PIPE_BUF unframed.
// `all` false: stop before a batch smaller than `batchBytes` unless the last write is at least
// minWriteIntervalMs old — the append path's rule: a busy thread writes a regular file about
// once a millisecond, in full batches, instead of once per event-loop turn of the application.

// Entries per writev(2), below Linux's IOV_MAX (1024).
const MAX_PARTS = 512;
const byBlock = () =>
  writer.sink.atomicLimit === Number.POSITIVE_INFINITY && data.options.lazy !== true;
const minIntervalMs = byBlock()
  ? ((data.options.minWriteIntervalMs as number | undefined) ?? 1)
  : 0;
let lastWriteAt = 0;
// Set once the calling thread has taken the ring: this thread writes nothing more.
let stopped = false;

/** Milliseconds until a partial batch may be written (0: now). */
function paceMs(): number {
  if (minIntervalMs === 0 || ring.used() >= data.batchBytes) return 0;
  return Math.max(0, lastWriteAt + minIntervalMs - performance.now());
}

function drain(all: boolean): void {
  while (ring.used() > 0) {
    if (!all && paceMs() > 0) return;
    const from = Atomics.load(ring.ctrl, TAIL);
    const batch = nextBatch();
    // The calling thread took the ring (the application is exiting, or thought this thread dead).
    if (!claimBatch(ring.ctrl)) {
      stopped = true;
      return;
    }
    try {
      batch.write();
      writer.flushSync();
    } catch (err) {
      // The thread dies of this: give the claim back unpublished, so that the calling thread's
      // take-over writes the batch (again, perhaps: at-least-once) instead of waiting on it.
      Atomics.store(ring.ctrl, OWNER, FREE);
      throw err;
    }
    lastWriteAt = performance.now();
    if (!publishBatch(ring.ctrl, from, batch.tail, batch.records)) {
      stopped = true;
      return;
    }
    postStats(false);
    backOffAfterErrors();
  }
}

// The next batch from the tail: how to write it, how many records it holds, the tail after it.
function nextBatch(): { write: () => void; records: number; tail: number } {
  if (byBlock()) {
    const out = ring.blocks(data.batchBytes, MAX_PARTS);
    return { write: () => writer.writeBlock(out.parts, out.records), ...out };
  }
  // A pipe: the application thread sends single records only (FILE_SINK is not set).
  const records: { record: Buffer; count: number }[] = [];
  let n = 0;
  const tail = ring.peek(data.batchBytes, (record, count) => {
    records.push({ record, count });
    n += count;
  });
  const write = () => {
    for (const r of records) {
      if (r.count > 1) writer.writeBlock(r.record, r.count);
      else writer.write(r.record);
    }
  };
  return { write, records: n, tail };
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
  // In slices, bumping BEAT: a thread backing off is alive; the calling thread must not take over.
  const until = Date.now() + backoffMs;
  for (let left = backoffMs; left > 0; left = until - Date.now()) {
    Atomics.add(ring.ctrl, BEAT, 1);
    if (Atomics.wait(ring.ctrl, STATE, RUNNING, Math.min(left, 100)) !== 'timed-out') return;
  }
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
    if (stopped || Atomics.load(ring.ctrl, STATE) !== RUNNING) return;
    if (ring.used() > 0) {
      idle = 0;
      const wait = paceMs();
      // A partial batch waits out the pacing interval (close() bumps WAKE: that ends it at once).
      if (wait > 0) Atomics.wait(sleepWord, WAKE, Atomics.load(sleepWord, WAKE), wait);
      else drain(false);
      continue;
    }
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
port?.postMessage({ type: 'ready' });
loop();
if (!stopped && Atomics.load(ring.ctrl, STATE) === CLOSING) drain(true);
postStats(true);
writer.close().then(() => {
  postStats(true);
  port?.postMessage({ type: 'closed' });
});
