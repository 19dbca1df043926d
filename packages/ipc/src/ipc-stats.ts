import type { IpcStats, WriterStats } from '@fanin/core';
import type { Forwarder } from './forwarder.js';
import type { Hub } from './hub.js';

/**
 * The `ipc` part of an IPC writer's `stats()`: core's {@link IpcStats} and the writer's bounds
 * against its socket peers (each a connection it closed).
 */
export interface IpcPeerStats extends IpcStats {
  /** Connections closed at once: `maxPeers` were connected already. */
  peersRefused: number;
  /** Connections closed because unfinished frames of all peers passed `maxPeerBufferBytes`. */
  bufferRefused: number;
  /** Connections closed after `frameTimeoutMs` without a byte inside a frame (or before HELLO). */
  framesTimedOut: number;
  /** Bytes of unfinished frames held for socket peers now. */
  peerBufferBytes: number;
}

/**
 * What an IPC writer's `stats()` returns. With a `destination`, that writer's own parts of its
 * stats come along under their names (e.g. `syslog`: sent, acknowledged, resent, reconnects…).
 */
export type IpcWriterStats = WriterStats & { ipc: IpcPeerStats } & {
  [part: string]: unknown;
};

// The parts every writer's stats have; mergeStats sums them.
const CORE_PARTS = new Set(['dropped', 'lock', 'queue', 'ipc']);

/**
 * The parts of a destination's stats that core's do not have (`syslog`), from the first writer
 * that has each: the writer process's destination before this process's own.
 */
export function destinationParts(children: (WriterStats | undefined)[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const s of children) {
    for (const [k, v] of Object.entries(s ?? {})) {
      if (typeof v === 'object' && v !== null && !CORE_PARTS.has(k) && !(k in out)) out[k] = v;
    }
  }
  return out;
}

/** The `ipc` part of `stats()`. */
export function ipcStats(
  role: IpcStats['role'],
  fwd: Forwarder,
  hub: Hub,
  writerLost: number,
): IpcPeerStats {
  return {
    role,
    forwarded: fwd.forwarded,
    acked: fwd.acked,
    inFlight: fwd.outbox.inFlightRecords,
    resent: fwd.resent,
    directWrites: fwd.directWrites,
    writerLost,
    peers: hub.peers,
    received: hub.received,
    protocolErrors: hub.protocolErrors,
    ...hub.guard.counts,
    peerBufferBytes: hub.guard.bufferedBytes,
    ...(fwd.linkKind ? { link: fwd.linkKind } : {}),
  };
}
