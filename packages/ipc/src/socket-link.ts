import type * as net from 'node:net';
import type { Link, LinkEvents } from './link.js';
import { readUntil } from './link.js';
import {
  ACK,
  type Batch,
  BYE,
  encodeBatch,
  encodeHello,
  FrameDecoder,
  FrameError,
  HELLO,
  WELCOME,
} from './wire.js';

/** Node keeps a socket's descriptor on its handle; there is no public accessor. */
export const fdOf = (socket: net.Socket): number | undefined =>
  (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;

/**
 * Forwarding over a connected Unix socket: frames of the fanin wire format, `write`'s return
 * value and `'drain'` for back-pressure. The socket is unref'ed while idle so that it never
 * keeps a process alive that has nothing left to send.
 */
export class SocketLink implements Link {
  readonly kind = 'socket' as const;
  readonly sendsSurviveExit = false;
  readonly #socket: net.Socket;
  readonly #events: LinkEvents;
  readonly #decoder: FrameDecoder;
  #closed = false;

  constructor(socket: net.Socket, events: LinkEvents, maxFrameBytes: number) {
    this.#socket = socket;
    this.#events = events;
    this.#decoder = new FrameDecoder(maxFrameBytes);
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const f of this.#decoder.push(chunk)) {
          if (f.type === WELCOME) events.welcome();
          else if (f.type === ACK) events.ack(f.seq);
          else if (f.type === BYE) this.#lose('the writer closed', true);
          else throw new FrameError(`unexpected frame type ${f.type} from the writer`);
        }
      } catch (err) {
        socket.destroy();
        this.#lose(`the writer sent a bad frame: ${(err as Error).message}`);
      }
    });
    socket.on('drain', () => events.drain());
    socket.on('error', (err) => this.#lose(`the socket to the writer failed: ${err.message}`));
    socket.on('close', () => this.#lose('the socket to the writer closed'));
    socket.write(encodeHello(HELLO));
  }

  send(batch: Batch): boolean {
    if (this.#closed) return false;
    return this.#socket.write(encodeBatch(batch));
  }

  active(on: boolean): void {
    if (this.#closed) return;
    if (on) this.#socket.ref();
    else this.#socket.unref();
  }

  awaitAcksSync(upTo: number, ms: number): { acked: number; closed: boolean } {
    const fd = fdOf(this.#socket);
    if (this.#closed || fd === undefined) return { acked: 0, closed: true };
    let acked = 0;
    try {
      const closed = readUntil(fd, ms, (chunk) => {
        for (const f of this.#decoder.push(chunk)) if (f.type === ACK) acked = f.seq;
        return acked >= upTo;
      });
      return { acked, closed };
    } catch {
      return { acked, closed: true };
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.end();
    this.#socket.unref();
  }

  #lose(why: string, quiet = false): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.end();
    this.#events.lost(why, quiet);
  }
}
