import type * as net from 'node:net';
import { FaninError } from '@fanin/core';
import { closedError, connectSocket, netError, openDeadline } from './collector-socket.js';
import { nextTxnr } from './relp-frame.js';
import type { Endpoint, SessionEvents, ShipSession } from './ship-session.js';

/**
 * A best-effort session: RFC 6587 §3.4.1 octet counting (`MSG-LEN SP SYSLOG-MSG`) over TCP, or
 * RFC 5425 over TLS (the same framing). The receiver never answers, so a frame counts as
 * "acknowledged" once the socket handed it to the kernel: what the kernel buffers when the
 * collector dies is lost, and is not resent.
 */
export class OctetSession implements ShipSession {
  readonly #socket: net.Socket;
  readonly #events: SessionEvents;
  #txnr = 1;
  #ended = false;
  ready: Promise<void>;

  constructor(endpoint: Endpoint, events: SessionEvents) {
    this.#events = events;
    const { socket, connected } = connectSocket(endpoint);
    this.#socket = socket;
    this.ready = new Promise<void>((resolve, reject) => {
      const pending = (): boolean => this.#opening !== undefined;
      const timer = openDeadline(endpoint.connectTimeoutMs, 'connection', pending, (err) =>
        this.#fail(err),
      );
      socket.once(connected, () => {
        clearTimeout(timer);
        this.#opening = undefined;
        resolve();
      });
      this.#opening = (err) => {
        clearTimeout(timer);
        reject(err);
      };
    });
    // RFC 6587 receivers send nothing; bytes from one mean it is not a syslog receiver.
    const why = 'the collector sent data: not an RFC 6587 syslog receiver?';
    socket.on('data', () => this.#fail(new FaninError('ERR_FANIN_FRAME', why)));
    socket.on('drain', () => events.onDrain());
    socket.on('error', (err) => this.#fail(netError(err)));
    socket.on('close', () => this.#fail(closedError()));
  }

  #opening: ((err: FaninError) => void) | undefined;

  #fail(err: FaninError): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#socket.destroy();
    const opening = this.#opening;
    this.#opening = undefined;
    if (opening) opening(err);
    else this.#events.onLost(err);
  }

  sendAll(messages: Buffer[]): { first: number; ok: boolean } {
    // Numbered as the shipper numbers them (nextTxnr wraps at RELP's 999,999,999): a plain
    // count here would stop matching the window after a billion records on one session.
    const first = this.#txnr;
    for (let i = 0; i < messages.length; i++) this.#txnr = nextTxnr(this.#txnr);
    const ok = this.#socket.write(encodeOctetFrames(messages), (err) => {
      if (err || this.#ended) return;
      for (let i = 0, t = first; i < messages.length; i++, t = nextTxnr(t)) this.#events.onAck(t);
      this.#events.onReceived();
    });
    return { first, ok };
  }

  ref(on: boolean): void {
    if (on) this.#socket.ref();
    else this.#socket.unref();
  }

  close(waitMs: number): Promise<void> {
    if (this.#ended) return Promise.resolve();
    this.#ended = true;
    this.#socket.ref();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#socket.destroy();
        resolve();
      }, waitMs).unref();
      this.#socket.end(() => {
        clearTimeout(timer);
        this.#socket.destroy();
        resolve();
      });
    });
  }

  destroy(): void {
    this.#ended = true;
    this.#socket.destroy();
  }
}

/**
 * RFC 6587 §3.4.1 frames (`MSG-LEN SP SYSLOG-MSG`) of `messages`, in one buffer: one allocation
 * for a window, not three a message.
 */
export function encodeOctetFrames(messages: readonly Buffer[]): Buffer {
  let total = 0;
  for (const m of messages) total += String(m.length).length + 1 + m.length;
  const bytes = Buffer.allocUnsafe(total);
  let at = 0;
  for (const m of messages) {
    at += bytes.write(`${m.length} `, at, 'latin1');
    at += m.copy(bytes, at);
  }
  return bytes;
}
