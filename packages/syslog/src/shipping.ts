import * as path from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { FaninError } from '@fanin/core';
import { ShipFallback } from './ship-fallback.js';
import type { ShipperCounters } from './shipper-options.js';
import { Spool } from './spool.js';
import { adoptOrphans, claimOrphans, segmentBytesIn } from './spool-adoption.js';
import { SpoolChain } from './spool-chain.js';
import { SpoolShipper } from './spool-shipper.js';
import type { ResolvedOptions } from './syslog-options.js';

/** What the writer needs of its shipper, in this thread or in a worker thread. */
export interface Shipping {
  readonly counters: ShipperCounters;
  readonly connected: boolean;
  readonly inOutage: boolean;
  readonly inFlight: number;
  /** Sends what was committed to the spool. */
  pump(): void;
  settle(ms: number, untilOutage: boolean): Promise<boolean>;
  spooledBytes(): number;
  unackedBytes(): number;
  persist(): void;
  close(waitMs: number): Promise<void>;
  /** Blocks until `fits()` or `ms` passed; only a shipper thread can free room meanwhile. */
  block?(ms: number, fits: () => boolean, commit: () => void): boolean;
  /** The shipper thread, if the shipper was started in one (for monitoring). */
  readonly thread?: Worker;
}

/** What the shipper tells the writer. */
export interface ShippingEvents {
  report(err: FaninError): void;
  dropRefused(): void;
  /** The cursor moved (in this thread: the writer persists it soon). */
  acked(): void;
}

/**
 * Opens this writer's spool under `o.spoolRoot` (after claiming the spools of dead processes)
 * and its shipper: in this thread, or — when a level may block for room (`o.blocks`) — in a
 * worker thread, since a blocked logging thread could not read the acknowledgements that free
 * room (and in this thread again if that one dies: ship-fallback.ts). Throws the file system's
 * error.
 */
export function openShipping(
  o: ResolvedOptions,
  writerId: string,
  on: ShippingEvents,
): { spool: Spool; shipping: Shipping; adopted: number } {
  const { spoolRoot, segmentBytes, mode } = o;
  const shipper = {
    endpoint: o.endpoint,
    windowSize: o.windowSize,
    reconnectMinMs: o.reconnectMinMs,
    reconnectMaxMs: o.reconnectMaxMs,
    maxRefusals: o.maxRefusals,
  };
  if (o.blocks) {
    const dirs = claimOrphans(spoolRoot);
    const spool = new Spool(path.join(spoolRoot, writerId), segmentBytes, mode);
    const adopted = { dirs, bytes: dirs.reduce((n, d) => n + segmentBytesIn(d), 0) };
    const data = { segmentBytes, mode, cursorIntervalMs: o.cursorIntervalMs, shipper };
    return { spool, shipping: new ShipFallback(spool, adopted, data, on), adopted: dirs.length };
  }
  const adopted = adoptOrphans(spoolRoot, segmentBytes, mode);
  const spool = new Spool(path.join(spoolRoot, writerId), segmentBytes, mode);
  const shipping = new SpoolShipper(new SpoolChain([...adopted, spool]), { ...shipper, ...on });
  shipping.start();
  return { spool, shipping, adopted: adopted.length };
}
