import type { PeerLimits } from './ipc-options.js';

/** A socket connection as the guard sees it. */
export interface GuardedPeer {
  /** Closes the connection: the guard refused it. */
  refuse(why: string): void;
}

interface Held {
  /** Bytes of frames not yet whole. */
  bytes: number;
  /** Waiting for the rest of a frame, or for the HELLO. */
  pending: boolean;
  /** When the peer last sent anything (ms, Date.now()). */
  progressAt: number;
}

/** Why the guard closed connections, each counted in `stats().ipc`. */
export type GuardReason = 'peersRefused' | 'bufferRefused' | 'framesTimedOut';

/**
 * The writer's bounds against its socket peers, a hostile local one included (a peer that
 * claims a 16 MiB frame, sends most of it and stalls, on many connections): at most
 * `maxPeers` connections; at most `maxBufferBytes` of unfinished frames across all of them —
 * past it, the connection holding the most is closed, so a peer sending small batches is not
 * the one to go; and a connection that sends nothing more inside a frame (or before its
 * HELLO) for `frameTimeoutMs` is closed. `onRefuse` counts and reports each closing.
 */
export class PeerGuard {
  readonly counts: Record<GuardReason, number> = {
    peersRefused: 0,
    bufferRefused: 0,
    framesTimedOut: 0,
  };
  readonly #limits: PeerLimits;
  readonly #onRefuse: (reason: GuardReason, why: string) => void;
  readonly #peers = new Map<GuardedPeer, Held>();
  #total = 0;
  #sweep: NodeJS.Timeout | undefined;
  #sweptAt = 0;

  constructor(limits: PeerLimits, onRefuse: (reason: GuardReason, why: string) => void) {
    this.#limits = limits;
    this.#onRefuse = onRefuse;
  }

  /** Bytes of unfinished frames held across all peers. */
  get bufferedBytes(): number {
    return this.#total;
  }

  /** A new connection: false (and counted) when `maxPeers` are connected already. */
  admit(peer: GuardedPeer): boolean {
    if (this.#peers.size >= this.#limits.maxPeers) {
      this.#refuse(peer, 'peersRefused', `over maxPeers (${this.#limits.maxPeers} connections)`);
      return false;
    }
    this.#peers.set(peer, { bytes: 0, pending: true, progressAt: Date.now() });
    this.#arm();
    return true;
  }

  /**
   * After a read (progress): `bytes` of unfinished frames this peer holds now, and whether it still waits
   * for more (a frame begun, or no HELLO yet). Closes the largest holders while the bound is
   * passed; false when that was this peer.
   */
  update(peer: GuardedPeer, bytes: number, pending: boolean): boolean {
    const held = this.#peers.get(peer);
    if (!held) return false;
    held.progressAt = Date.now();
    this.#total += bytes - held.bytes;
    held.bytes = bytes;
    held.pending = pending;
    while (this.#total > this.#limits.maxBufferBytes) {
      const hog = this.#largest();
      if (!hog) break;
      const why = `unfinished frames of all peers over maxPeerBufferBytes (${this.#limits.maxBufferBytes} bytes)`;
      this.#refuse(hog, 'bufferRefused', why);
    }
    if (pending) this.#arm();
    return this.#peers.has(peer);
  }

  /** The connection closed (whoever closed it). */
  remove(peer: GuardedPeer): void {
    const held = this.#peers.get(peer);
    if (!held) return;
    this.#total -= held.bytes;
    this.#peers.delete(peer);
  }

  /** Stops the timer (the writer closes). */
  close(): void {
    clearInterval(this.#sweep);
    this.#sweep = undefined;
  }

  #largest(): GuardedPeer | undefined {
    let hog: GuardedPeer | undefined;
    let most = 0;
    for (const [p, h] of this.#peers) {
      if (h.bytes > most) {
        most = h.bytes;
        hog = p;
      }
    }
    return hog;
  }

  #refuse(peer: GuardedPeer, reason: GuardReason, why: string): void {
    this.remove(peer);
    this.counts[reason]++;
    this.#onRefuse(reason, why);
    peer.refuse(why);
  }

  // One timer for all peers, while any waits inside a frame: every quarter of frameTimeoutMs.
  #arm(): void {
    if (this.#sweep !== undefined) return;
    const every = Math.max(1, Math.floor(this.#limits.frameTimeoutMs / 4));
    this.#sweptAt = Date.now();
    this.#sweep = setInterval(() => this.#sweepIdle(every), every);
    this.#sweep.unref();
  }

  // A sweep that comes late (this process's event loop was blocked) judges nobody: the bytes
  // that arrived meanwhile are read after the timers of this turn, so a peer that did send
  // would look idle. The next sweep, on time, judges.
  #sweepIdle(every: number): void {
    const now = Date.now();
    const late = now - this.#sweptAt > 2 * every;
    this.#sweptAt = now;
    if (late) return;
    let pending = 0;
    for (const [p, h] of this.#peers) {
      if (!h.pending) continue;
      if (now - h.progressAt < this.#limits.frameTimeoutMs) pending++;
      else {
        const why = `no byte of an unfinished frame (or of the HELLO) for frameTimeoutMs (${this.#limits.frameTimeoutMs} ms)`;
        this.#refuse(p, 'framesTimedOut', why);
      }
    }
    if (pending === 0) this.close();
  }
}
