import type { IpcStats, WriterStats } from '@fanin/core';
import type { Forwarder } from './forwarder.js';
import type { Hub } from './hub.js';

/** The `ipc` part of `stats()`. */
export function ipcStats(
  role: IpcStats['role'],
  fwd: Forwarder,
  hub: Hub,
  writerLost: number,
): IpcStats {
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
    ...(fwd.linkKind ? { link: fwd.linkKind } : {}),
  };
}

/** Adds the counters of the file writers this writer uses to its own (each counted once). */
export function mergeStats(own: WriterStats, others: (WriterStats | undefined)[]): WriterStats {
  const out: WriterStats = { ...own, dropped: { ...own.dropped } };
  const byReason = { ...own.dropped.byReason };
  const byLevel = { ...own.dropped.byLevel };
  const seen = new Set<WriterStats>();
  for (const s of others) {
    if (!s || seen.has(s)) continue;
    seen.add(s);
    out.records += s.records;
    out.bytes += s.bytes;
    out.writeErrors += s.writeErrors;
    out.retries += s.retries;
    out.rotations += s.rotations;
    out.reopenings += s.reopenings;
    out.chunkedRecords += s.chunkedRecords;
    out.queueDepth += s.queueDepth;
    out.queueBytes += s.queueBytes;
    out.dropped.total += s.dropped.total;
    for (const [k, v] of Object.entries(s.dropped.byReason)) byReason[k] = (byReason[k] ?? 0) + v;
    for (const [k, v] of Object.entries(s.dropped.byLevel)) byLevel[k] = (byLevel[k] ?? 0) + v;
  }
  out.dropped.byReason = byReason;
  out.dropped.byLevel = byLevel;
  return out;
}
