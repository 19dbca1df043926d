import type { ChildProcess } from 'node:child_process';
import cluster, { type Worker as ClusterWorker } from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { BroadcastChannel } from 'node:worker_threads';
import { type BatchWriter, errnoCode, FaninError } from '@fanin/core';
import { readUntil } from './link.js';
import { fdOf } from './socket-link.js';
import { type ThreadMessage, threadChannelName } from './thread-link.js';
import {
  ackToken,
  BATCH,
  type Batch,
  type BytesBatch,
  type ChannelMessage,
  checkChannelBatch,
  encodeAck,
  encodeBye,
  encodeHello,
  FrameDecoder,
  FrameError,
  fromTextBatch,
  HELLO,
  isChannelMessage,
  TEXT,
  type TextBatch,
  textOfBytes,
  WELCOME,
} from './wire.js';

/** What the hub needs from the writer that owns it. */
export interface HubOwner {
  /** Writes a record received from a peer (to the file, or on to this process's writer). */
  writeForPeer(record: string, level: string): void;
  /**
   * Writes records received back to back (text, or its UTF-8 bytes; each record's length in
   * `lens`) as one block, when the file takes any write whole (a regular file) and none may be
   * over maxRecordBytes; returns false when they must go one by one.
   */
  writeBlockForPeer(text: string | Buffer, lens: number[]): boolean;
  /** The file writer, when this process writes the file (acks wait for it). */
  file(): BatchWriter | undefined;
  report(err: FaninError): void;
}

/** A child process seen from its parent: Node exposes the channel's descriptor as `fd`. */
type ChannelOwner = { channel?: { fd?: number } | null };

interface Peer {
  welcome(): void;
  /** Sends the acknowledgement of `seq` now, asynchronously. */
  ack(seq: number): void;
  /** At exit: writes the last acknowledgement synchronously, if the link allows it. */
  ackSync?(seq: number): void;
  /** The socket's descriptor, for a peer on a socket. */
  fd?(): number | undefined;
  received: number;
  /** An acknowledgement waits for the file writer. */
  acking?: boolean;
}

/**
 * The writer's side: receives batches from cluster workers, forked children, socket peers and
 * this process's worker threads, writes them, and acknowledges each batch once the file writer
 * has written it (so a peer resends only what may not be in the file).
 */
export class Hub {
  readonly #owner: HubOwner;
  readonly #maxFrameBytes: number;
  readonly #peers = new Set<Peer>();
  readonly #detach: (() => unknown)[] = [];
  received = 0;
  protocolErrors = 0;
  #closed = false;
  readonly #threadCells = new Map<number, Int32Array>();
  #threadProgress: (() => void) | undefined;
  readonly #privateSocket: boolean;
  /** The private socket offered to channel peers: undefined until needed, null if unavailable. */
  #side: { sock: string; key: string } | null | undefined;

  /** `privateSocket`: offer channel peers (cluster workers, fork children) a Unix socket. */
  constructor(owner: HubOwner, maxFrameBytes: number, privateSocket = true) {
    this.#owner = owner;
    this.#maxFrameBytes = maxFrameBytes;
    this.#privateSocket = privateSocket;
  }

  get peers(): number {
    return this.#peers.size;
  }

  /** Serves this process's worker threads (every process does, whatever its role). */
  serveThreads(file: string): void {
    const channel = new BroadcastChannel(threadChannelName(file));
    channel.unref();
    const cells = this.#threadCells;
    channel.onmessage = (e) => {
      const m = (e as MessageEvent).data as ThreadMessage;
      if (m?.t === 'hello') {
        cells.set(m.id, new Int32Array(m.acks));
        channel.postMessage({ t: 'welcome' } satisfies ThreadMessage);
      } else if (m?.t === 'batch') {
        const cell = cells.get(m.id);
        const ack = () => {
          if (cell) {
            Atomics.store(cell, 0, m.seq);
            Atomics.notify(cell, 0);
          }
          channel.postMessage({ t: 'ack', id: m.id, seq: m.seq } satisfies ThreadMessage);
        };
        this.#writeText(m);
        this.#whenWritten(ack);
        this.#threadProgress?.();
      }
    };
    this.#detach.push(() => channel.close());
  }

  /** Serves every cluster worker, present and future (in the primary). */
  serveCluster(): void {
    const peers = new Map<ClusterWorker, Peer>();
    const peerOf = (w: ClusterWorker) => {
      let p = peers.get(w);
      if (!p) {
        const json = cluster.settings.serialization !== 'advanced';
        p = this.#channelPeer(
          (m) => w.isConnected() && w.send(m, undefined, undefined, ignore),
          json ? (w.process as unknown as ChannelOwner) : undefined,
        );
        peers.set(w, p);
        w.once('exit', () => {
          peers.delete(w);
          if (p) this.#peers.delete(p);
        });
      }
      return p;
    };
    let warned = false;
    const onMessage = (w: ClusterWorker, m: unknown) => {
      if (isChannelMessage(m)) this.#onChannelMessage(peerOf(w), m);
      else if (!warned && (m as { topic?: unknown })?.topic === 'log4js:message') {
        // log4js's own cluster mode sends workers' events here and never calls a worker's
        // appender: those records bypass fanin (and are lost when a worker exits early).
        warned = true;
        this.#owner.report(
          new FaninError(
            'ERR_FANIN_OPTION',
            'fanin ipc: log4js cluster mode is on; set disableClustering: true in log4js.configure so that workers log through @fanin/ipc',
          ),
        );
      }
    };
    cluster.on('message', onMessage);
    // Workers forked before this writer existed said hello to nobody: welcome them now.
    for (const w of Object.values(cluster.workers ?? {})) {
      if (w?.isConnected()) peerOf(w).welcome();
    }
    this.#detach.push(() => {
      cluster.off('message', onMessage);
      // Workers still running write for themselves from now on.
      for (const w of Object.values(cluster.workers ?? {})) {
        if (w?.isConnected()) w.send(bye(), undefined, undefined, ignore);
      }
    });
  }

  /** Serves one forked child (`via: 'parent'` in the child). */
  attach(child: ChildProcess): void {
    // A child's serialization is not visible from here: no raw acknowledgement at exit.
    const peer = this.#channelPeer(
      (m) => child.connected && child.send(m, undefined, undefined, ignore),
      undefined,
    );
    const onMessage = (m: unknown) => {
      if (isChannelMessage(m)) this.#onChannelMessage(peer, m);
    };
    child.on('message', onMessage);
    const off = () => {
      child.off('message', onMessage);
      this.#peers.delete(peer);
    };
    child.once('exit', off);
    if (child.connected) peer.welcome();
    this.#detach.push(() => {
      off();
      if (child.connected) child.send(bye(), undefined, undefined, ignore);
    });
  }

  /**
   * Serves the connections of a listening Unix socket; with `key`, only peers whose HELLO
   * carries it (the private socket of channel peers).
   */
  serveSocket(server: net.Server, key?: string, cleanup?: () => void): void {
    const sockets = new Set<net.Socket>();
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      this.#socketPeer(socket, key);
    });
    this.#detach.push(() => {
      server.close();
      cleanup?.();
      // Acknowledgements already queued go first, then the goodbye; each peer closes its side
      // on it (so that it never writes into a closed socket) and elects the next writer.
      for (const s of sockets) s.end(encodeBye());
      return Promise.all(
        [...sockets].map((s) => (s.closed ? undefined : once(s, 'close').catch(() => {}))),
      );
    });
  }

  /**
   * Resolves once every batch a worker thread sent has arrived (it may still be queued when
   * the thread's 'exit' event comes), or after `ms`.
   */
  async threadsSettled(ms: number): Promise<void> {
    const behind = () =>
      [...this.#threadCells.values()].some((c) => Atomics.load(c, 1) > Atomics.load(c, 0));
    const deadline = Date.now() + ms;
    while (behind() && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.#threadProgress = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#threadProgress = undefined;
      // The acknowledgement is stored once the file writer wrote the batch: let it.
      await (this.#owner.file()?.flush() ?? Promise.resolve());
    }
  }

  /** At exit: acknowledge, synchronously where the link allows, what was written. */
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
    this.#closed = true;
    const closing = this.#detach.splice(0).map((d) => d());
    this.#peers.clear();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(closing),
      new Promise((resolve) => {
        timer = setTimeout(resolve, ms);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
  }

  /**
   * The private socket channel peers send their batches over (their channel carries only
   * hello, welcome and goodbye): Node's channel serializes every message (JSON by default), a
   * cost per character the binary frames do not have. A directory only this user can enter,
   * a socket only this user can open, and a random key each peer's HELLO must carry. Made on
   * the first welcome; where it cannot be made, peers keep sending over their channel.
   */
  #sideSocket(): { sock?: string; key?: string } {
    if (this.#side === undefined) this.#side = this.#privateSocket ? this.#openSide() : null;
    return this.#side ?? {};
  }

  #openSide(): { sock: string; key: string } | null {
    let dir: string | undefined;
    try {
      removeStaleSides(os.tmpdir());
      dir = fs.mkdtempSync(path.join(os.tmpdir(), `${SIDE_PREFIX}${process.pid}-`));
      const sock = path.join(dir, 's');
      if (Buffer.byteLength(sock) > 100) throw new Error(`${sock} is too long for a socket`);
      const key = randomBytes(16).toString('hex');
      const server = net.createServer();
      // bind(2) and listen(2) happen within listen() for a path (errors come later, as an
      // event): peers may connect as soon as it returns. exclusive: a cluster worker that
      // forks children binds its own socket instead of asking the primary for one.
      // Owner-only from the first instant (as the election's socket; unix(7): connecting needs
      // write permission on the file), inside a directory only the owner can enter anyway.
      const umask = process.umask(0o177);
      try {
        server.listen({ path: sock, exclusive: true });
      } finally {
        process.umask(umask);
      }
      server.unref();
      const where = dir;
      const remove = () => fs.rmSync(where, { recursive: true, force: true });
      process.once('exit', remove);
      server.on('error', (err) => {
        this.#owner.report(
          new FaninError('ERR_FANIN_OPEN', `fanin ipc: private socket ${sock}: ${err.message}`),
        );
      });
      this.serveSocket(server, key, () => {
        process.off('exit', remove);
        remove();
      });
      return { sock, key };
    } catch (err) {
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
      this.#owner.report(
        new FaninError(
          'ERR_FANIN_OPEN',
          `fanin ipc: no private socket for channel peers (${(err as Error).message}); they send over their channel`,
          { cause: err },
        ),
      );
      return null;
    }
  }

  #write(batch: Batch): void {
    const n = batch.records.length;
    for (let i = 0; i < n; i++) {
      this.#owner.writeForPeer(batch.records[i] as string, batch.levels[i] as string);
    }
    this.received += n;
  }

  /** Writes a peer's batch and acknowledges it once the file writer has written it. */
  #accept(peer: Peer, batch: Batch | TextBatch | BytesBatch): void {
    if (this.#closed) return;
    if ('text' in batch) this.#writeText(batch);
    else if ('bytes' in batch) this.#writeBytes(batch);
    else this.#write(batch);
    this.#acknowledge(peer, batch.seq);
  }

  // A TEXT frame's records: their bytes as one block for a regular file, else decoded and
  // written record by record.
  #writeBytes(bb: BytesBatch): void {
    if (this.#owner.writeBlockForPeer(bb.bytes, bb.lens)) this.received += bb.lens.length;
    else this.#write(fromTextBatch(textOfBytes(bb)));
  }

  // One acknowledgement a write: once the file writer has written everything queued, every
  // batch received so far is in the file, so the newest one is acknowledged (acks are
  // cumulative) — not one message for each batch that write carried.
  #acknowledge(peer: Peer, seq: number): void {
    peer.received = seq;
    if (peer.acking) return;
    peer.acking = true;
    this.#whenWritten(() => {
      peer.acking = false;
      peer.ack(peer.received);
    });
  }

  // A batch as it came over a channel: one block for a regular file, else record by record.
  #writeText(tb: TextBatch): void {
    if (this.#owner.writeBlockForPeer(tb.text, tb.lens)) this.received += tb.lens.length;
    else this.#write(fromTextBatch(tb));
  }

  // Acknowledgements wait for the file writer, when this process has one; a process that
  // forwards on (a thread's main thread) acknowledges at once.
  #whenWritten(callback: () => void): void {
    const file = this.#owner.file();
    if (file) file.onWritten(callback);
    else callback();
  }

  #channelPeer(send: (m: ChannelMessage) => unknown, child: ChannelOwner | undefined): Peer {
    const trySend = (m: ChannelMessage) => {
      try {
        send(m);
      } catch {
        // The peer is gone; it writes its unacknowledged records itself at exit.
      }
    };
    const peer: Peer = {
      received: 0,
      welcome: () => trySend({ ...welcome(), ...this.#sideSocket() }),
      ack: (seq) => trySend({ fanin: 'ipc', v: 1, t: 'ack', seq, token: ackToken(seq) }),
      // Only a channel known to carry JSON lines may get a raw line (cluster's default).
      ...(child
        ? { ackSync: (seq: number) => void writeNow(child.channel?.fd, ackLine(seq)) }
        : {}),
    };
    this.#peers.add(peer);
    return peer;
  }

  #onChannelMessage(peer: Peer, m: ChannelMessage): void {
    if (m.t === 'hello') {
      peer.welcome();
      return;
    }
    if (m.t !== 'batch') return;
    try {
      this.#accept(peer, checkChannelBatch(m as never, this.#maxFrameBytes));
    } catch (err) {
      // A channel belongs to the process, not to fanin: refuse the message, keep the channel.
      this.#protocolError(err, 'a channel peer');
    }
  }

  #socketPeer(socket: net.Socket, key?: string): void {
    const decoder = new FrameDecoder(this.#maxFrameBytes);
    let failed = false;
    let greeted = false;
    const peer: Peer = {
      received: 0,
      welcome: () => socket.write(encodeHello(WELCOME)),
      // Written to the descriptor at once when Node holds nothing for this socket (12 bytes:
      // the kernel takes them), else queued behind what it holds.
      ack: (seq) => {
        if (socket.destroyed) return;
        const frame = encodeAck(seq);
        const n = socket.writableLength === 0 ? writeNow(fdOf(socket), frame) : 0;
        if (n < frame.length) socket.write(frame.subarray(n));
      },
      // At exit: the last acknowledgement and a goodbye, so peers elect the next writer quietly.
      ackSync: (seq) => void writeNow(fdOf(socket), Buffer.concat([encodeAck(seq), encodeBye()])),
      fd: () => fdOf(socket),
    };
    this.#peers.add(peer);
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const f of decoder.push(chunk)) {
          if (f.type === HELLO) {
            if (key !== undefined && f.key !== key) throw new FrameError('HELLO without the key');
            greeted = true;
            peer.welcome();
          } else if (!greeted && key !== undefined) {
            throw new FrameError('a batch before HELLO');
          } else if (f.type === BATCH || f.type === TEXT) this.#accept(peer, f.batch);
          else throw new FrameError(`unexpected frame type ${f.type} from a peer`);
        }
      } catch (err) {
        failed = true;
        this.#protocolError(err, 'a socket peer');
        socket.destroy();
      }
    });
    socket.on('error', () => {});
    socket.once('close', () => {
      this.#peers.delete(peer);
      if (decoder.buffered > 0 && !this.#closed && !failed) {
        this.#protocolError(new FrameError('connection closed inside a frame'), 'a socket peer');
      }
    });
  }

  #protocolError(err: unknown, who: string): void {
    this.protocolErrors++;
    const why = err instanceof Error ? err.message : String(err);
    this.#owner.report(new FaninError('ERR_FANIN_FRAME', `fanin ipc: ${who}: ${why}`));
  }
}

// A send to a peer that has just exited fails with EPIPE; without a callback Node emits it as
// an 'error' on the Worker/ChildProcess, which would crash an app with no listener. The peer
// settles its unacknowledged records itself.
const ignore = () => {};

/** A private socket's directory: the prefix, the writer's pid, a dash, mkdtemp's suffix. */
const SIDE_PREFIX = 'fanin-ipc-';
const SIDE_DIR_RE = /^fanin-ipc-(\d+)-[A-Za-z0-9]+$/;

/**
 * Removes the private-socket directories of writers that are gone without their exit handler
 * (SIGKILL, or SIGTERM/SIGINT with no handler): those of this user whose pid is no process any
 * more. Best effort: a directory that cannot be read or removed is left.
 */
export function removeStaleSides(tmp: string): number {
  let removed = 0;
  let names: string[];
  try {
    names = fs.readdirSync(tmp);
  } catch {
    return 0;
  }
  const uid = process.getuid?.();
  for (const name of names) {
    const pid = Number(SIDE_DIR_RE.exec(name)?.[1]);
    if (!pid || pid === process.pid || alive(pid)) continue;
    const dir = path.join(tmp, name);
    try {
      if (uid !== undefined && fs.lstatSync(dir).uid !== uid) continue;
      fs.rmSync(dir, { recursive: true, force: true });
      removed++;
    } catch {
      // Someone else's, or gone already.
    }
  }
  return removed;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: a live process of another user.
    return errnoCode(err) === 'EPERM';
  }
}

/** How long an exiting socket writer waits for its peers to close their side after goodbye. */
const HANDOVER_WAIT_MS = 200;

const welcome = (): ChannelMessage => ({ fanin: 'ipc', v: 1, t: 'welcome', pid: process.pid });
const bye = (): ChannelMessage => ({ fanin: 'ipc', v: 1, t: 'bye', pid: process.pid });

// A whole JSON line as Node's 'json' channel serialization frames it; the peer's exit hook only
// looks for the token inside it.
const ackLine = (seq: number) =>
  Buffer.from(`${JSON.stringify({ fanin: 'ipc', v: 1, t: 'ack', seq, token: ackToken(seq) })}\n`);

/**
 * write(2) of `bytes` to a peer's non-blocking `fd`: how many the kernel took. 0 on any error —
 * EAGAIN (the peer's buffer is full) or EPIPE (it is gone): an acknowledgement that does not
 * arrive makes the peer resend, so nothing is lost.
 */
function writeNow(fd: number | undefined, bytes: Buffer): number {
  if (fd === undefined) return 0;
  try {
    return fs.writeSync(fd, bytes);
  } catch {
    return 0;
  }
}
