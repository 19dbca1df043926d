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

/** What an IPC writer's `stats()` returns. */
export type IpcWriterStats = WriterStats & { ipc: IpcPeerStats };

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
