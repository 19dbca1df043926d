/** Counters of a sink that writes under a file lock. */
export interface LockStats {
  /** Locks taken. */
  acquired: number;
  /** Drains that found the lock held and waited. */
  busy: number;
  /** Stale locks (their holder died) taken over. */
  takeovers: number;
  /** Locks found compromised (removed or taken by another process while held). */
  compromised: number;
  /** Exit flushes that wrote without the lock after the exit budget ran out. */
  exitBypasses: number;
}

/** A snapshot of a writer's counters, as returned by `Writer.stats()`. */
export interface WriterStats {
  /** Records written to the target (a chunked record counts once). */
  records: number;
  /** Bytes written to the target, framing included. */
  bytes: number;
  /** Records dropped, in total and by reason (`ENOSPC`, `queue-full`, `oversize`, …). */
  dropped: { total: number; byReason: Record<string, number>; byLevel: Record<string, number> };
  /** Failed system calls (each failed write or open counts once). */
  writeErrors: number;
  /** Retries after EAGAIN, short writes and back-off. */
  retries: number;
  /** Rotations this process performed. */
  rotations: number;
  /** Times the target was reopened because its path named another file. */
  reopenings: number;
  /**
   * Reopens that failed (the path could not be opened again, or a symlink swapped in for it was
   * refused); each is also a write error, and its records are dropped under the errno.
   */
  reopenFailures?: number;
  /**
   * Rotations given up because another process held the rotation lock past `lockWaitMs`: each
   * lets a batch (or the part of one that did not fit) go into the full file, which passes
   * `maxBytes` by it; no record is lost. Reported through
   * `onError` once when it starts and once, with the count, when a rotation works again.
   * Present under size or time rotation.
   */
  rotationLockTimeouts?: number;
  /** Records larger than the atomic limit written as framed chunks. */
  chunkedRecords: number;
  /** Records waiting to be written. */
  queueDepth: number;
  /** Bytes waiting to be written (an estimate: UTF-16 length for strings). */
  queueBytes: number;
  /** Lock counters, for writers that write under a file lock. */
  lock?: LockStats;
  /** Queue counters, for writers that hand records to another thread. */
  queue?: QueueStats;
  /** Forwarding counters, for writers that send records to a writer process. */
  ipc?: IpcStats;
}

/** Counters of a writer that forwards records to one writer process (`@fanin/ipc`). */
export interface IpcStats {
  /**
   * `'writer'` writes the file; `'forwarder'` sends to a writer; `'connecting'` looks for one
   * (records wait); `'direct'` writes for itself, having found none.
   */
  role: 'writer' | 'forwarder' | 'connecting' | 'direct';
  /**
   * Records sent to the writer (a resent record counts again); at exit, those that never left
   * this process are taken back out (they are in `directWrites`).
   */
  forwarded: number;
  /** Records the writer confirmed as written. */
  acked: number;
  /** Records sent and not yet confirmed. */
  inFlight: number;
  /** Records sent again after the writer died: at-least-once, so each may be in the log twice. */
  resent: number;
  /** Records this process wrote itself: at exit, on overflow, with no writer, or too large. */
  directWrites: number;
  /** Times this process lost its writer (death, disconnect). */
  writerLost: number;
  /** Peers sending to this process, when it is the writer. */
  peers: number;
  /** Records received from peers, when it is the writer. */
  received: number;
  /** Connections closed for a protocol error (garbage, oversize or truncated frames). */
  protocolErrors: number;
  /**
   * How a forwarder's batches travel: `'socket'` (a Unix socket — `via: { socket }`, or the
   * private socket of a cluster primary or fork parent), `'channel'` (Node's IPC channel, when
   * the private socket is off or could not be reached), `'thread'` (to the main thread) — to
   * the last writer that welcomed this process; undefined if none did.
   */
  link?: 'socket' | 'channel' | 'thread';
}

/** Counters of a writer that queues records for a writer thread. */
export interface QueueStats {
  /** Size of the shared ring. */
  capacityBytes: number;
  /** Bytes in the ring now. */
  usedBytes: number;
  /** Records written by the synchronous path on the calling thread (too large for the ring). */
  fallbackWrites: number;
  /** False once the writer thread died and the calling thread writes for itself. */
  workerAlive: boolean;
}

/** Mutable counters behind `stats()`. One per writer; never shared across writers. */
export class StatsCounter {
  records = 0;
  bytes = 0;
  droppedTotal = 0;
  writeErrors = 0;
  retries = 0;
  rotations = 0;
  reopenings = 0;
  reopenFailures = 0;
  chunkedRecords = 0;
  readonly #byReason = new Map<string, number>();
  readonly #byLevel = new Map<string, number>();

  /** Count `n` dropped records under `reason` (and `level`, when the caller knows it). */
  drop(reason: string, n = 1, level?: string): void {
    if (n <= 0) return;
    this.droppedTotal += n;
    this.#byReason.set(reason, (this.#byReason.get(reason) ?? 0) + n);
    if (level !== undefined) this.#byLevel.set(level, (this.#byLevel.get(level) ?? 0) + n);
  }

  /** Count one more dropped record of each known level in `levels` (the reason is counted apart). */
  dropLevels(levels: readonly (string | undefined)[]): void {
    for (const level of levels) {
      if (level !== undefined) this.#byLevel.set(level, (this.#byLevel.get(level) ?? 0) + 1);
    }
  }

  snapshot(queueDepth: number, queueBytes: number): WriterStats {
    return {
      records: this.records,
      bytes: this.bytes,
      dropped: {
        total: this.droppedTotal,
        byReason: Object.fromEntries(this.#byReason),
        byLevel: Object.fromEntries(this.#byLevel),
      },
      writeErrors: this.writeErrors,
      retries: this.retries,
      rotations: this.rotations,
      reopenings: this.reopenings,
      reopenFailures: this.reopenFailures,
      chunkedRecords: this.chunkedRecords,
      queueDepth,
      queueBytes,
    };
  }
}
