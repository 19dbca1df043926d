import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import type { FaninError } from '@fanin/core';
import { ShipGauge } from './ship-gauge.js';
import type { ShipperOptions } from './shipper-options.js';
import { Spool } from './spool.js';
import { SpoolChain } from './spool-chain.js';
import { SpoolShipper } from './spool-shipper.js';

/** What the logging thread hands the shipper thread (no functions: they cannot cross). */
export interface ShipWorkerData {
  buffer: SharedArrayBuffer;
  /** The logging thread's own spool, which this thread reads as it grows. */
  ownDir: string;
  /** Spools of dead processes the logging thread claimed, oldest first. */
  adoptedDirs: string[];
  segmentBytes: number;
  mode: number;
  cursorIntervalMs: number;
  shipper: Pick<
    ShipperOptions,
    'endpoint' | 'windowSize' | 'reconnectMinMs' | 'reconnectMaxMs' | 'maxRefusals'
  >;
}

/** Messages from the logging thread. */
export type ToShipper =
  | { type: 'pump' }
  | { type: 'settle'; id: number; ms: number; untilOutage: boolean }
  | { type: 'close'; waitMs: number };

const data = workerData as ShipWorkerData;
const port = parentPort as MessagePort;
const gauge = new ShipGauge(data.buffer);
const { segmentBytes, mode } = data;
// In the order the logging thread knows them: an index in it names a spool in the gauge.
const spools = [...data.adoptedDirs, data.ownDir].map((dir) => new Spool(dir, segmentBytes, mode));
const chain = new SpoolChain([...spools]);
const shipping = (): number => spools.indexOf(chain.current);
let cursorTimer: NodeJS.Timeout | undefined;
let held = false;
let requestsSeen = 0;

const report = (err: FaninError): void =>
  port.postMessage({ type: 'error', code: err.code, message: err.message });

const shipper = new SpoolShipper(chain, {
  ...data.shipper,
  report,
  dropRefused: () => port.postMessage({ type: 'refused' }),
  acked: cursorSoon,
  // Before the write: the logging thread, taking over from a dead thread, counts what it sends
  // again up to here as resent (a frame written is one the collector may have).
  sending: (to) => gauge.sending(shipping(), to),
  // At the start of every pump (one follows every read of answers), before anything is sent:
  // the acknowledgements of that read are published first, so that a thread killed at any point
  // leaves a published cursor at most one window behind the last frame sent (published only at
  // the pump's end, a loaded run resent 201 frames for a window of 128).
  refresh: () => {
    requestsSeen = gauge.requests;
    chain.own.follow(gauge.end);
    publish();
  },
  changed: publish,
});

function cursorSoon(): void {
  if (cursorTimer) return;
  cursorTimer = setTimeout(() => {
    cursorTimer = undefined;
    chain.persist();
  }, data.cursorIntervalMs).unref();
}

// What the logging thread reads without asking (stats(), room for a record), and whether the
// session keeps the process alive: the logging thread refs this thread while it does.
function publish(): void {
  gauge.publish({
    acked: chain.ackedBytes,
    freed: chain.freedBytes,
    cursor: chain.own.cursor,
    at: shipping(),
    atCursor: chain.current.cursor,
    counters: shipper.counters,
    connected: shipper.connected,
    inFlight: shipper.inFlight,
    inOutage: shipper.inOutage,
  });
  if (shipper.holding !== held) {
    held = shipper.holding;
    port.postMessage({ type: 'hold', on: held, requests: requestsSeen });
  }
}

async function close(waitMs: number): Promise<void> {
  clearTimeout(cursorTimer);
  chain.own.follow(gauge.end);
  await shipper.close(waitMs);
  publish();
  port.postMessage({ type: 'closed' });
  port.close();
}

port.on('message', (m: ToShipper) => {
  if (m.type === 'pump') {
    gauge.takeRequest();
    shipper.pump();
    // Nothing in flight after this request: the logging thread may let the process end.
    if (!held) port.postMessage({ type: 'hold', on: false, requests: requestsSeen });
  } else if (m.type === 'settle') {
    shipper.settle(m.ms, m.untilOutage).then((done) => {
      chain.persist();
      publish();
      port.postMessage({ type: 'settled', id: m.id, done });
    });
  } else if (m.type === 'close') void close(m.waitMs);
});

// A crash of this thread must not leave a logging thread blocked for room that will never come
// (the logging thread then ships on itself from where the gauge says this thread stood).
process.on('uncaughtException', (err) => {
  gauge.died();
  port.postMessage({ type: 'died', message: err.message });
  process.exit(1);
});

shipper.start();
publish();
