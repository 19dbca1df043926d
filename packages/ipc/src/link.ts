import * as fs from 'node:fs';
import { blockFor, errnoCode } from '@fanin/core';
import type { Batch } from './wire.js';

/** What a link tells the forwarder. */
export interface LinkEvents {
  /** The writer answered the hello: batches may flow. */
  welcome(): void;
  /** Every batch up to `seq` is in the file. */
  ack(seq: number): void;
  /** The link can take more after `send` returned false. */
  drain(): void;
  /** The writer is gone (death, disconnect, protocol error), or said goodbye (`quiet`). */
  lost(why: string, quiet?: boolean): void;
}

/** The forwarder's side of one way to reach the writer. */
export interface Link {
  readonly kind: 'cluster' | 'parent' | 'socket' | 'thread';
  /** A send is delivered even if this process or thread ends right after it (threads). */
  readonly sendsSurviveExit: boolean;
  /** Hands a batch over; false asks the forwarder to wait for `drain`. */
  send(batch: Batch): boolean;
  /** While records are in flight the link keeps the process alive; idle, it lets it exit. */
  active(on: boolean): void;
  /**
   * At exit, with no event loop: reads acknowledgements synchronously until batch `upTo` is
   * acknowledged, the writer is gone, or `ms` pass.
   */
  awaitAcksSync(upTo: number, ms: number): { acked: number; closed: boolean };
  close(): void;
}

/**
 * How long an exit waits with nothing arriving before it stops waiting: a live writer answers
 * within milliseconds; silence means the batch never left this process, or the writer hangs.
 */
export const EXIT_STALL_MS = 500;

/**
 * Reads `fd` (non-blocking) until `found` says done, EOF, `ms` pass, or nothing arrives for
 * {@link EXIT_STALL_MS}; blocks 1 ms between empty reads. `found` gets each chunk read.
 * Returns whether the descriptor reached EOF.
 */
export function readUntil(fd: number, ms: number, found: (chunk: Buffer) => boolean): boolean {
  const deadline = Date.now() + ms;
  let heard = Date.now();
  const buf = Buffer.allocUnsafe(65536);
  for (;;) {
    let n: number;
    try {
      n = fs.readSync(fd, buf, 0, buf.length, null);
    } catch (err) {
      const code = errnoCode(err);
      if (code !== 'EAGAIN' && code !== 'EWOULDBLOCK' && code !== 'EINTR') return true;
      const now = Date.now();
      if (now >= deadline || now - heard >= EXIT_STALL_MS) return false;
      blockFor(1);
      continue;
    }
    if (n === 0) return true;
    heard = Date.now();
    if (found(Buffer.from(buf.subarray(0, n)))) return false;
    if (Date.now() >= deadline) return false;
  }
}
