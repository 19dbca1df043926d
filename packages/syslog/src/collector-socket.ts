import * as net from 'node:net';
import * as tls from 'node:tls';
import { FaninError } from '@fanin/core';
import type { Endpoint } from './ship-session.js';

/** A TCP or TLS connection to the collector (Nagle off: frames go out as they are written). */
export function connectSocket(endpoint: Endpoint): { socket: net.Socket; connected: string } {
  const { host, port } = endpoint;
  const socket = endpoint.tls
    ? tls.connect({ ...endpoint.tls, host, port })
    : net.connect({ host, port });
  socket.setNoDelay(true);
  return { socket, connected: endpoint.tls ? 'secureConnect' : 'connect' };
}

/**
 * Calls `expire` with a timeout error `ms` after now if `pending()` is still true then. Decided
 * after the poll phase (setImmediate): when a long synchronous burst of logging held the event
 * loop past the deadline, an answer already waiting is read first.
 */
export function openDeadline(
  ms: number,
  what: string,
  pending: () => boolean,
  expire: (err: FaninError) => void,
): NodeJS.Timeout {
  return setTimeout(() => {
    setImmediate(() => {
      if (pending()) expire(new FaninError('ERR_FANIN_TIMEOUT', `no ${what} within ${ms} ms`));
    });
  }, ms).unref();
}

/** A socket error as fanin reports it: the errno code (ECONNREFUSED, ECONNRESET…) or TLS reason. */
export function netError(err: Error): FaninError {
  const code = (err as { code?: string }).code ?? err.message;
  return new FaninError('ERR_FANIN_WRITE', `collector connection failed: ${code}`, { cause: err });
}

/** The socket closed under a session. */
export function closedError(): FaninError {
  return new FaninError('ERR_FANIN_WRITE', 'the collector closed the connection');
}
