import * as net from 'node:net';
import * as tls from 'node:tls';
import { FaninError } from '@fanin/core';
import type { Endpoint, SessionEvents, ShipSession } from './relp-connection.js';

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
    const { host, port } = endpoint;
    this.#socket = endpoint.tls
      ? tls.connect({ ...endpoint.tls, host, port })
      : net.connect({ host, port });
    const socket = this.#socket;
    socket.setNoDelay(true);
    this.ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#fail(
          new FaninError(
            'ERR_FANIN_TIMEOUT',
            `no connection within ${endpoint.connectTimeoutMs} ms`,
          ),
        );
      }, endpoint.connectTimeoutMs).unref();
      socket.once(endpoint.tls ? 'secureConnect' : 'connect', () => {
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
    socket.on('data', () =>
      this.#fail(
        new FaninError('ERR_FANIN_FRAME', 'the collector sent data (not a syslog receiver?)'),
      ),
    );
    socket.on('drain', () => events.onDrain());
    socket.on('error', (err) => {
      const code = (err as { code?: string }).code ?? err.message;
      this.#fail(
        new FaninError('ERR_FANIN_WRITE', `collector connection failed: ${code}`, { cause: err }),
      );
    });
    socket.on('close', () =>
      this.#fail(new FaninError('ERR_FANIN_WRITE', 'the collector closed the connection')),
    );
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
    const first = this.#txnr;
    const parts: Buffer[] = [];
    for (const m of messages) parts.push(Buffer.from(`${m.length} `, 'latin1'), m);
    const txnrs = messages.map(() => this.#txnr++);
    const ok = this.#socket.write(Buffer.concat(parts), (err) => {
      if (err || this.#ended) return;
      for (const t of txnrs) this.#events.onAck(t);
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
