import type * as net from 'node:net';
import { FaninError } from '@fanin/core';
import { closedError, connectSocket, netError, openDeadline } from './collector-socket.js';
import {
  encodeFrame,
  encodeSyslogFrames,
  isOk,
  nextTxnr,
  parseResponse,
  type RelpFrame,
  RelpParser,
} from './relp-frame.js';
import type { Endpoint, SessionEvents, ShipSession } from './ship-session.js';

// relp.md "relp_software": name, version, URL; commands: the optional commands the client uses.
const OFFERS =
  'relp_version=0\nrelp_software=fanin-syslog,0.1.0,https://github.com/fanin\ncommands=syslog';

/**
 * One RELP session over TCP or TLS: `open` with its offers, then `syslog` frames whose `rsp`
 * answers are passed on by transaction number. The first transaction of a session is 1
 * (relp.md: "A RELP connection start with TXNR 1"). Anything unexpected ends the session with
 * one `onLost` (relp.md "ERROR HANDLING": close, do not try to recover in-band).
 */
export class RelpSession implements ShipSession {
  readonly #socket: net.Socket;
  readonly #events: SessionEvents;
  readonly #parser = new RelpParser();
  #txnr = 1;
  #ended = false;
  #closeTxnr = -1;

  private constructor(socket: net.Socket, events: SessionEvents) {
    this.#socket = socket;
    this.#events = events;
  }

  /**
   * Connects and opens a session. `ready` resolves once the server accepted `open`, or rejects
   * with the reason the connection or the `open` failed.
   */
  static connect(endpoint: Endpoint, events: SessionEvents): RelpSession {
    const { socket, connected } = connectSocket(endpoint);
    const session = new RelpSession(socket, events);
    session.ready = new Promise<void>((resolve, reject) => {
      const fail = (err: FaninError): void => {
        clearTimeout(timer);
        session.#end();
        reject(err);
      };
      const pending = (): boolean => session.#opening !== undefined;
      const timer = openDeadline(endpoint.connectTimeoutMs, 'RELP session', pending, fail);
      const opened = (): void => {
        clearTimeout(timer);
        resolve();
      };
      session.#opening = { resolve: opened, fail };
    });
    socket.on(connected, () => session.#send('open', OFFERS));
    socket.on('data', (bytes: Buffer) => session.#receive(bytes));
    socket.on('drain', () => events.onDrain());
    socket.on('error', (err) => session.#lose(netError(err)));
    socket.on('close', () => session.#lose(closedError()));
    return session;
  }

  /** Settles when the session is open (or could not be opened). */
  ready: Promise<void> = Promise.resolve();

  #opening: { resolve: () => void; fail: (err: FaninError) => void } | undefined;

  /**
   * Sends one `syslog` frame per message with one socket write; returns the first txnr (the
   * others follow it) and whether the socket took the write without queueing it.
   */
  sendAll(messages: Buffer[]): { first: number; ok: boolean } {
    const first = this.#txnr;
    const { bytes, next } = encodeSyslogFrames(first, messages);
    this.#txnr = next;
    return { first, ok: this.#socket.write(bytes) };
  }

  #send(command: string, data: Buffer | string): boolean {
    const frame = encodeFrame(this.#txnr, command, data);
    this.#txnr = nextTxnr(this.#txnr);
    return this.#socket.write(frame);
  }

  #receive(bytes: Buffer): void {
    let frames: RelpFrame[];
    try {
      frames = this.#parser.push(bytes);
    } catch (err) {
      this.#lose(err as FaninError);
      return;
    }
    for (const frame of frames) {
      if (this.#ended) return;
      this.#handle(frame);
    }
    if (!this.#ended) this.#events.onReceived();
  }

  #handle(frame: RelpFrame): void {
    if (frame.command === 'serverclose' && frame.txnr === 0) {
      this.#lose(
        new FaninError('ERR_FANIN_WRITE', 'the collector closed the session (serverclose)'),
      );
      return;
    }
    if (frame.command !== 'rsp') {
      this.#lose(protocolError(`unexpected command "${frame.command}" (txnr ${frame.txnr})`));
      return;
    }
    // The answer to `close` may carry no data at all (rsyslog sends "N rsp 0").
    if (frame.txnr === this.#closeTxnr) {
      this.#end();
      return;
    }
    // The usual answer, `200 OK` to a syslog frame, read without decoding it.
    if (!this.#opening && isOk(frame.data)) {
      this.#events.onAck(frame.txnr);
      return;
    }
    let rsp: ReturnType<typeof parseResponse>;
    try {
      rsp = parseResponse(frame.data);
    } catch (err) {
      this.#lose(err as FaninError);
      return;
    }
    if (this.#opening) this.#opened(frame.txnr, rsp);
    else if (rsp.code === 200) this.#events.onAck(frame.txnr);
    else this.#events.onRefused(frame.txnr, `${rsp.code} ${rsp.message}`);
  }

  #opened(txnr: number, rsp: ReturnType<typeof parseResponse>): void {
    const opening = this.#opening;
    this.#opening = undefined;
    if (txnr !== 1 || rsp.code !== 200) {
      opening?.fail(protocolError(`open refused: ${rsp.code} ${rsp.message}`));
    } else if (!/^commands=(?:.*,)?syslog(?:,|$)/m.test(rsp.body)) {
      opening?.fail(
        protocolError(`the server does not offer the syslog command: ${JSON.stringify(rsp.body)}`),
      );
    } else opening?.resolve();
  }

  #lose(err: FaninError): void {
    if (this.#ended) return;
    const opening = this.#opening;
    this.#end();
    if (opening) opening.fail(err);
    else this.#events.onLost(err);
  }

  #end(): void {
    this.#ended = true;
    this.#opening = undefined;
    this.#socket.destroy();
  }

  /** Sends `close` and ends the session on its answer or after `waitMs`. */
  close(waitMs: number): Promise<void> {
    if (this.#ended) return Promise.resolve();
    this.#closeTxnr = this.#txnr;
    this.#socket.ref();
    this.#send('close', '');
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#end();
        resolve();
      }, waitMs).unref();
      this.#socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Keeps the process alive while frames wait for their answer (`on`), or not. */
  ref(on: boolean): void {
    if (on) this.#socket.ref();
    else this.#socket.unref();
  }

  /** Ends the session now. */
  destroy(): void {
    this.#end();
  }

  get ended(): boolean {
    return this.#ended;
  }
}

function protocolError(why: string): FaninError {
  return new FaninError('ERR_FANIN_FRAME', `fanin syslog: RELP protocol error: ${why}`);
}
