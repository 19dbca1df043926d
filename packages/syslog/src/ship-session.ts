import type * as tls from 'node:tls';
import type { FaninError } from '@fanin/core';

/** Where and how to reach the collector. */
export interface Endpoint {
  /** `relp`: acknowledged RELP; `octet`: best-effort octet counting (RFC 6587/5425). */
  protocol: 'relp' | 'octet';
  host: string;
  port: number;
  /** Options for `tls.connect` (ca, cert, key, servername…); plain TCP when undefined. */
  tls?: tls.ConnectionOptions;
  connectTimeoutMs: number;
}

/** What a session tells the one who opened it. */
export interface SessionEvents {
  /** The server acknowledged (`rsp 200`) the frame of `txnr`. */
  onAck(txnr: number): void;
  /** The server refused (`rsp` other than 200) the frame of `txnr`. */
  onRefused(txnr: number, why: string): void;
  /** The session ended: a socket error, a close, `serverclose`, a framing error. */
  onLost(err: FaninError): void;
  /** The socket takes writes again after a full buffer. */
  onDrain(): void;
  /** The answers of one read were handled. */
  onReceived(): void;
}

/** What the shipper needs of a session, RELP or best-effort. */
export interface ShipSession {
  /** Settles when the session can take records (or could not be opened). */
  ready: Promise<void>;
  /** Sends one frame per message; returns the first frame's number and whether the socket took the write. */
  sendAll(messages: Buffer[]): { first: number; ok: boolean };
  ref(on: boolean): void;
  close(waitMs: number): Promise<void>;
  destroy(): void;
}
