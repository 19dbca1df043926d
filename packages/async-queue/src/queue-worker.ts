import { parentPort, workerData } from 'node:worker_threads';
import type { BatchWriter, FaninError, FileEvent } from '@fanin/core';
import { nodeFileDriver } from '@fanin/core/internal';
import { BlockWrites } from './block-writes.js';
import { fileWriterFor } from './file-writer-for.js';
import {
  BEAT,
  CLOSING,
  CONSUMER_SLEEPING,
  FILE_SINK,
  OWNER,
  RESUME,
  Ring,
  type RingMemory,
  RUNNING,
  STATE,
  TAIL,
  WAKE,
} from './ring.js';
import { beatingDriver, CALLER, claimBatch, FREE, publishBatch, WORKER } from './ring-owner.js';

/** What the application thread hands the writer thread. */
export interface QueueWorkerData {
  memory: RingMemory;
  writer: 'append' | 'locked';
  /** Writer options without functions (they cannot cross threads). */
  options: Record<string, unknown>;
  batchBytes: number;
  /** Relay the writer's file events to the application thread (it has an `onFileEvent`). */
  fileEvents?: boolean;
}

const data = workerData as QueueWorkerData;
const port = parentPort;
const ring = new Ring(data.memory);
const ctrl = ring.ctrl;

function report(err: FaninError): void {
  port?.postMessage({ type: 'error', code: err.code, message: err.message });
}

// Every system call of the writer bumps BEAT: the calling thread sees this thread alive.
const driver = beatingDriver(nodeFileDriver, ctrl);
// A listener cannot cross threads: the events go to the application thread as messages, where
// the writer's owner hands them to its `onFileEvent` (and a winston transport emits them).
const onFileEvent = data.fileEvents
  ? (event: FileEvent) => port?.postMessage({ type: 'file-event', event })
  : undefined;
const writer: BatchWriter = fileWriterFor(
  data.writer,
  { ...data.options, driver, onFileEvent },
  report,
  'createAsyncQueueWriter',
);
// A regular file takes the ring's entries (blocks of records) in one writev(2), straight from
// the shared memory (no copy, no per-record objects), and a failed write leaves them in the
// ring (block-writes.ts). A pipe gets them one by one through the batch writer, so that each
// record within PIPE_BUF stays unframed.
const byBlock = writer.sink.atomicLimit === Number.POSITIVE_INFINITY && data.options.lazy !== true;
const blocks = new BlockWrites(writer.sink);

let lastStats = 0;
function postStats(force: boolean): void {
  const now = Date.now();
  if (!force && now - lastStats < 100) return;
  lastStats = now;
  const s = writer.stats();
  s.records += blocks.records;
  s.bytes += blocks.bytes;
  s.writeErrors += blocks.writeErrors;
  port?.postMessage({ type: 'stats', stats: s });
}

// Entries per writev(2), below Linux's IOV_MAX (1024).
const MAX_PARTS = 512;
// `all` false: stop before a batch smaller than `batchBytes` unless the last write is at least
// minWriteIntervalMs old — the append path's rule: a busy thread writes a regular file about
// once a millisecond, in full batches, instead of once per event-loop turn of the application.
const minIntervalMs = byBlock ? ((data.options.minWriteIntervalMs as number | undefined) ?? 1) : 0;
let lastWriteAt = 0;
// Set once the calling thread has taken the ring: this thread writes nothing more.
let stopped = false;

/** Milliseconds until a partial batch may be written (0: now). */
function paceMs(): number {
  if (minIntervalMs === 0 || ring.used() >= data.batchBytes) return 0;
  return Math.max(0, lastWriteAt + minIntervalMs - performance.now());
}

// Drains the ring, one batch (one write(2)) per `batchBytes`. The tail is published only after
// the write, so a record leaves the ring only once it is in the file.
function drain(all: boolean): void {
  while (ring.used() > 0 && !stopped) {
    if (!all && paceMs() > 0) return;
    const from = Atomics.load(ctrl, TAIL);
    const batch = nextBatch(all);
    // The calling thread took the ring (the application is exiting, or thought this thread dead).
    if (!claimBatch(ctrl)) {
      stopped = true;
      return;
    }
    let written: boolean;
    try {
      written = batch.write();
    } catch (err) {
      // The thread dies of this: give the claim back unpublished, so that the calling thread's
      // take-over writes the batch (again, perhaps: at-least-once) instead of waiting on it.
      Atomics.store(ctrl, OWNER, FREE);
      throw err;
    }
    lastWriteAt = performance.now();
    // Not written (closing on a failing disk, or the ring was taken): it stays in the ring.
    if (!written) {
      Atomics.compareExchange(ctrl, OWNER, WORKER, FREE);
      stopped = true;
      return;
    }
    ring.writtenBytes = writer.stats().bytes + blocks.bytes;
    if (!publishBatch(ctrl, from, batch.tail, batch.records)) {
      stopped = true;
      return;
    }
    postStats(false);
  }
}

// The batch at the tail: how many records, the tail after it, and how to write it.
function nextBatch(all: boolean): { records: number; tail: number; write: () => boolean } {
  if (!byBlock) {
    const batch = singles();
    return { ...batch, write: () => writeSingles(batch) };
  }
  const { parts, records, tail } = ring.blocks(data.batchBytes, MAX_PARTS);
  return { records, tail, write: () => writeBlocks(parts, records, all) };
}

// A pipe: the application thread sends single records only (FILE_SINK is not set).
function singles(): { parts: Buffer[]; counts: number[]; records: number; tail: number } {
  const parts: Buffer[] = [];
  const counts: number[] = [];
  let records = 0;
  const tail = ring.peek(data.batchBytes, (record, count) => {
    parts.push(record);
    counts.push(count);
    records += count;
  });
  return { parts, counts, records, tail };
}

// The batch writer counts and drops a batch that fails: wait before the next one (doubling from
// retryMinMs to retryMaxMs), so that records wait in the ring meanwhile instead of being
// dropped batch after batch at full speed.
let pipeErrors = 0;
let pipeBackoffMs = 0;
function writeSingles(batch: { parts: Buffer[]; counts: number[] }): boolean {
  for (const [i, record] of batch.parts.entries()) {
    const count = batch.counts[i] as number;
    if (count > 1) writer.writeBlock(record, count);
    else writer.write(record);
  }
  writer.flushSync();
  const errors = writer.stats().writeErrors;
  if (errors === pipeErrors) pipeBackoffMs = 0;
  else {
    pipeErrors = errors;
    pipeBackoffMs = nextBackoff(pipeBackoffMs);
    postStats(true);
    sleepAlive(pipeBackoffMs);
  }
  return true;
}

function nextBackoff(last: number): number {
  const min = (data.options.retryMinMs as number | undefined) ?? 100;
  const max = (data.options.retryMaxMs as number | undefined) ?? 5000;
  return Math.min(Math.max(last * 2, min), max);
}

// Writes one batch to the file until it is in, backing off between failed attempts (records
// wait in the ring meanwhile, where the application's full policy applies). Gives up (false)
// when closing or taken over.
let outage: string | undefined;
function writeBlocks(parts: Buffer[], records: number, force: boolean): boolean {
  for (let backoffMs = 0; ; ) {
    const attempt = blocks.attempt(parts, records, force);
    Atomics.store(ctrl, RESUME, blocks.resume);
    if (attempt.done) {
      if (outage !== undefined) postStats(true);
      outage = undefined;
      return true;
    }
    if (attempt.code !== 'lock-busy' && outage === undefined) {
      outage = attempt.code;
      port?.postMessage({
        type: 'error',
        code: 'ERR_FANIN_WRITE',
        message: `fanin: async-queue: write failed (${attempt.code}); records wait in the ring and are written when it succeeds again`,
      });
      postStats(true);
    }
    if (Atomics.load(ctrl, STATE) !== RUNNING || Atomics.load(ctrl, OWNER) === CALLER) return false;
    backoffMs = attempt.waitMs || nextBackoff(backoffMs);
    sleepAlive(backoffMs);
  }
}

// Sleeps `ms` in slices, bumping BEAT: a thread backing off is alive, and the calling thread
// must not take the ring from it. Ends early when the state changes (close).
function sleepAlive(ms: number): void {
  const until = Date.now() + ms;
  for (let left = ms; left > 0; left = until - Date.now()) {
    Atomics.add(ctrl, BEAT, 1);
    if (Atomics.wait(ctrl, STATE, RUNNING, Math.min(left, 100)) !== 'timed-out') return;
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
    if (stopped || Atomics.load(ctrl, STATE) !== RUNNING) return;
    if (ring.used() > 0) {
      idle = 0;
      const wait = paceMs();
      // A partial batch waits out the pacing interval (close() bumps WAKE: that ends it at once).
      if (wait > 0) Atomics.wait(ctrl, WAKE, Atomics.load(ctrl, WAKE), wait);
      else drain(false);
      continue;
    }
    const seen = Atomics.load(ctrl, WAKE);
    if (idle++ < IDLE_POLLS) {
      Atomics.wait(ctrl, WAKE, seen, LINGER_MS);
      continue;
    }
    Atomics.store(ctrl, CONSUMER_SLEEPING, 1);
    if (ring.used() === 0 && Atomics.load(ctrl, STATE) === RUNNING) {
      Atomics.wait(ctrl, WAKE, seen);
    }
    Atomics.store(ctrl, CONSUMER_SLEEPING, 0);
    idle = 0;
  }
}

// Tell the application thread that blocks of joined records are welcome (see FILE_SINK).
if (byBlock) Atomics.store(ctrl, FILE_SINK, 1);
port?.postMessage({ type: 'ready' });
loop();
if (!stopped && Atomics.load(ctrl, STATE) === CLOSING) drain(true);
postStats(true);
writer.close().then(() => {
  postStats(true);
  port?.postMessage({ type: 'closed' });
});
