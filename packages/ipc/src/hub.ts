import type { ChildProcess } from 'node:child_process';
import type * as net from 'node:net';
import type { FaninError } from '@fanin/core';
import { within } from '@fanin/core/internal';
import { type Offer, serveChild, serveCluster } from './channel-peer.js';
import { type BytesBatch, FrameError } from './frames.js';
import type { PeerLimits } from './ipc-options.js';
import { readUntil } from './link.js';
import type { Peer, PeerIntake, PeerSink } from './peer.js';
import { type GuardReason, PeerGuard } from './peer-guard.js';
import { openPrivateSocket } from './private-socket.js';
import { serveSocket } from './socket-peer.js';
import type { TextBatch } from './text-batch.js';
import { ThreadPeers } from './thread-peer.js';

/** How long an exiting socket writer waits for its peers to close their side after goodbye. */
const HANDOVER_WAIT_MS = 200;

/** How the hub reports: at once, or once per outage of a kind (see IpcAccount). */
export interface HubReports {
  report(err: FaninError): void;
  outage(key: string, code: FaninError['code'], message: string): void;
}

/** The hub's settings. */
export interface HubOptions {
  maxFrameBytes: number;
  /** Offer channel peers (cluster workers, fork children) a private Unix socket. */
  privateSocket: boolean;
  limits: PeerLimits;
}

/**
 * The writer's side: receives batches from cluster workers, forked children, socket peers and
 * this process's worker threads, hands them to its sink (the file writer in the writer
 * process), and acknowledges each batch once the sink has written it (so a peer resends only
 * what may not be in the file). It never calls back into the writer that owns it: the owner
 * gives it the sink to write to (again whenever its role changes).
 */
export class Hub implements PeerIntake {
  /** Where peers' records go; the owner sets it whenever its role changes. */
  sink: PeerSink;
  received = 0;
  protocolErrors = 0;
  closed = false;
  readonly guard: PeerGuard;
  readonly #o: HubOptions;
  readonly #reports: HubReports;
  readonly #peers = new Set<Peer>();
  readonly #detach: (() => unknown)[] = [];
  #threads: ThreadPeers | undefined;
  /** The private socket offered to channel peers: undefined until needed, null if unavailable. */
  #side: { sock: string; key: string } | null | undefined;

  constructor(sink: PeerSink, options: HubOptions, reports: HubReports) {
    this.sink = sink;
    this.#o = options;
    this.#reports = reports;
    this.guard = new PeerGuard(options.limits, (reason, why) => this.#refused(reason, why));
  }

  get peers(): number {
    return this.#peers.size;
  }

  /** Serves this process's worker threads (every process does, whatever its role). */
  serveThreads(file: string): void {
    const threads = new ThreadPeers(file, this);
    this.#threads = threads;
    this.#detach.push(() => threads.close());
  }

  /** Serves every cluster worker, present and future (in the primary). */
  serveCluster(): void {
    this.#detach.push(serveCluster(this, this.#offer, this.#o.maxFrameBytes));
  }

  /** Serves one forked child (`via: 'parent'` in the child). */
  attach(child: ChildProcess): void {
    this.#detach.push(serveChild(this, this.#offer, this.#o.maxFrameBytes, child));
  }

  /** Serves the connections of a listening Unix socket (`key`: a private socket's). */
  serveSocket(server: net.Server, key?: string, cleanup?: () => void): void {
    const max = this.#o.maxFrameBytes;
    this.#detach.push(serveSocket(server, this, this.guard, max, key, cleanup));
  }

  /** Resolves once worker threads' batches on their way are written, or after `ms`. */
  threadsSettled(ms: number): Promise<void> {
    return this.#threads?.settled(ms, () => this.sink.settled()) ?? Promise.resolve();
  }

  /** At exit: acknowledge, synchronously where the link allows it, what was written. */
  ackAllSync(): void {
    for (const p of this.#peers) p.ackSync?.(p.received);
    // Socket peers close their side on the goodbye. Until they have, this process keeps its
    // side open (reading and dropping what they still send: unacknowledged, they resend it), so
    // that none of them writes into a closed socket before it has read the goodbye.
    const deadline = Date.now() + HANDOVER_WAIT_MS;
    for (const p of this.#peers) {
      const fd = p.fd?.();
      const left = deadline - Date.now();
      if (fd === undefined || left <= 0) continue;
      try {
        readUntil(fd, left, () => false);
      } catch {
        // Gone already: nothing to wait for.
      }
    }
  }

  /** Stops serving; resolves once socket peers closed their side (at most `ms`). */
  async close(ms: number): Promise<void> {
    // Batches that still arrive are not written: unacknowledged, their senders resend them.
    this.closed = true;
    this.guard.close();
    const closing = this.#detach.splice(0).map((d) => d());
    this.#peers.clear();
    await within(Promise.all(closing), ms, false);
  }

  add(peer: Peer): void {
    this.#peers.add(peer);
  }

  remove(peer: Peer): void {
    this.#peers.delete(peer);
  }

  /** Writes a peer's batch and acknowledges it once the sink has written it. */
  accept(peer: Peer, batch: TextBatch | BytesBatch): void {
    if (this.closed) return;
    this.received += this.sink.writeBatch(batch);
    // One acknowledgement a write: once the sink has written everything queued, every batch
    // received so far is in the file, so the newest one is acknowledged (acks are cumulative)
    // — not one message for each batch that write carried.
    peer.received = batch.seq;
    if (peer.acking) return;
    peer.acking = true;
    this.sink.whenWritten(() => {
      peer.acking = false;
      peer.ack(peer.received);
    });
  }

  protocolError(err: unknown, who: string): void {
    this.protocolErrors++;
    const why = err instanceof Error ? err.message : String(err);
    // Once per outage of each kind of fault (numbers aside): a peer reconnecting in a loop
    // must not flood the app's error path.
    const kind = err instanceof FrameError ? why.replace(/\d+/g, '#') : 'other';
    this.#reports.outage(`protocol:${who}:${kind}`, 'ERR_FANIN_FRAME', `fanin ipc: ${who}: ${why}`);
  }

  report(err: FaninError): void {
    this.#reports.report(err);
  }

  #refused(reason: GuardReason, why: string): void {
    const code = reason === 'framesTimedOut' ? 'ERR_FANIN_TIMEOUT' : 'ERR_FANIN_FRAME';
    this.#reports.outage(`guard:${reason}`, code, `fanin ipc: a socket peer closed: ${why}`);
  }

  // Made on the first welcome; where it cannot be made, peers keep sending over their channel.
  readonly #offer: Offer = () => {
    if (this.#side === undefined) this.#side = this.#o.privateSocket ? this.#openSide() : null;
    return this.#side ?? {};
  };

  #openSide(): { sock: string; key: string } | null {
    const side = openPrivateSocket((err) => this.report(err));
    if (!side) return null;
    this.serveSocket(side.server, side.key, side.remove);
    return { sock: side.sock, key: side.key };
  }
}
