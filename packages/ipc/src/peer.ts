import * as fs from 'node:fs';
import type { FaninError } from '@fanin/core';
import type { BytesBatch } from './frames.js';
import type { TextBatch } from './text-batch.js';

/** One process or thread sending batches to this writer, as its link kind serves it. */
export interface Peer {
  /** Sends the acknowledgement of `seq` (cumulative) now, asynchronously. */
  ack(seq: number): void;
  /** At exit: writes the last acknowledgement synchronously, if the link allows it. */
  ackSync?(seq: number): void;
  /** The socket's descriptor, for a peer on a socket. */
  fd?(): number | undefined;
  /** The newest batch received. */
  received: number;
  /** An acknowledgement waits for the file writer. */
  acking?: boolean;
}

/** What peers hand their batches to (the hub): the smaller part of it they need. */
export interface PeerIntake {
  readonly closed: boolean;
  add(peer: Peer): void;
  remove(peer: Peer): void;
  /** Writes a peer's batch and acknowledges it once written. May throw a FrameError. */
  accept(peer: Peer, batch: TextBatch | BytesBatch): void;
  /** A peer broke the protocol: counted and reported (once per outage of its kind). */
  protocolError(err: unknown, who: string): void;
  report(err: FaninError): void;
}

/**
 * Where the hub writes what peers send: the file writer in the writer process, or, in a
 * process that forwards (its worker threads' batches), on to its own writer.
 */
export interface PeerSink {
  /** Writes a peer's batch (as one block where the target takes it whole); how many records. */
  writeBatch(batch: TextBatch | BytesBatch): number;
  /** Calls back once everything handed over so far is written (or forwarded). */
  whenWritten(callback: () => void): void;
  /** Resolves once everything handed over so far is written (close). */
  settled(): Promise<unknown>;
}

// A send to a peer that has just exited fails with EPIPE; without a callback Node emits it as
// an 'error' on the Worker/ChildProcess, which would crash an app with no listener. The peer
// settles its unacknowledged records itself.
export const ignore = () => {};

/**
 * write(2) of `bytes` to a peer's non-blocking `fd`: how many the kernel took. 0 on any error —
 * EAGAIN (the peer's buffer is full) or EPIPE (it is gone): an acknowledgement that does not
 * arrive makes the peer resend, so nothing is lost.
 */
export function writeNow(fd: number | undefined, bytes: Buffer): number {
  if (fd === undefined) return 0;
  try {
    return fs.writeSync(fd, bytes);
  } catch {
    return 0;
  }
}
