import { once } from 'node:events';
import type * as net from 'node:net';
import { FrameDecoder } from './frame-decoder.js';
import { encodeAck, encodeBye, encodeHello, FrameError, HELLO, TEXT, WELCOME } from './frames.js';
import type { Peer, PeerIntake } from './peer.js';
import { writeNow } from './peer.js';
import type { GuardedPeer, PeerGuard } from './peer-guard.js';
import { fdOf } from './socket-link.js';

/**
 * One connection to the writer's socket: frames in, acknowledgements out. A connection that
 * breaks the protocol is closed and counted; the guard bounds what it may hold and for how long.
 */
class SocketPeer implements Peer, GuardedPeer {
  received = 0;
  acking = false;
  readonly #socket: net.Socket;
  readonly #decoder: FrameDecoder;
  readonly #intake: PeerIntake;
  readonly #guard: PeerGuard;
  readonly #key: string | undefined;
  #greeted = false;
  /** Closed by this side (a protocol error, or the guard): no report of a cut-off frame. */
  #refused = false;

  constructor(socket: net.Socket, intake: PeerIntake, guard: PeerGuard, max: number, key?: string) {
    this.#socket = socket;
    this.#intake = intake;
    this.#guard = guard;
    this.#key = key;
    this.#decoder = new FrameDecoder(max);
    socket.on('error', () => {});
    if (!guard.admit(this)) return;
    intake.add(this);
    socket.on('data', (chunk: Buffer) => this.#read(chunk));
    socket.once('close', () => {
      intake.remove(this);
      guard.remove(this);
      if (this.#decoder.buffered > 0 && !intake.closed && !this.#refused) {
        intake.protocolError(new FrameError('connection closed inside a frame'), 'a socket peer');
      }
    });
  }

  #read(chunk: Buffer): void {
    try {
      for (const f of this.#decoder.push(chunk)) {
        if (f.type === HELLO) {
          if (this.#key !== undefined && f.key !== this.#key) {
            throw new FrameError('HELLO without the key');
          }
          this.#greeted = true;
          this.#socket.write(encodeHello(WELCOME));
        } else if (!this.#greeted && this.#key !== undefined) {
          throw new FrameError('a batch before HELLO');
        } else if (f.type === TEXT) this.#intake.accept(this, f.batch);
        else throw new FrameError(`unexpected frame type ${f.type} from a peer`);
      }
    } catch (err) {
      this.#refused = true;
      this.#intake.protocolError(err, 'a socket peer');
      this.#socket.destroy();
      return;
    }
    this.#guard.update(this, this.#decoder.buffered, this.#decoder.buffered > 0 || !this.#greeted);
  }

  refuse(): void {
    this.#refused = true;
    this.#socket.destroy();
  }

  // Written to the descriptor at once when Node holds nothing for this socket (12 bytes: the
  // kernel takes them), else queued behind what it holds.
  ack(seq: number): void {
    if (this.#socket.destroyed) return;
    const frame = encodeAck(seq);
    const n = this.#socket.writableLength === 0 ? writeNow(fdOf(this.#socket), frame) : 0;
    if (n < frame.length) this.#socket.write(frame.subarray(n));
  }

  // At exit: the last acknowledgement and a goodbye, so peers elect the next writer quietly.
  ackSync(seq: number): void {
    writeNow(fdOf(this.#socket), Buffer.concat([encodeAck(seq), encodeBye()]));
  }

  fd(): number | undefined {
    return fdOf(this.#socket);
  }
}

/**
 * Serves the connections of a listening Unix socket; with `key`, only peers whose HELLO
 * carries it (the private socket of channel peers). Returns the detach: it closes the server
 * and says goodbye on every connection, and resolves once each peer closed its side.
 */
export function serveSocket(
  server: net.Server,
  intake: PeerIntake,
  guard: PeerGuard,
  maxFrameBytes: number,
  key?: string,
  cleanup?: () => void,
): () => Promise<unknown> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    new SocketPeer(socket, intake, guard, maxFrameBytes, key);
  });
  return () => {
    server.close();
    cleanup?.();
    // Acknowledgements already queued go first, then the goodbye; each peer closes its side
    // on it (so that it never writes into a closed socket) and elects the next writer.
    for (const s of sockets) s.end(encodeBye());
    return Promise.all(
      [...sockets].map((s) => (s.closed ? undefined : once(s, 'close').catch(() => {}))),
    );
  };
}
