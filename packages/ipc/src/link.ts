import * as fs from 'node:fs';
import { blockFor, errnoCode } from '@fanin/core/internal';
import type { TextBatch } from './text-batch.js';

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

/** What the forwarder tells the writer that owns it: where the link to the writer stands. */
export interface ForwarderEvents {
  /** The link is gone; the host picks what comes next (a new link, or writing directly). */
  lost(why: string, quiet: boolean): void;
  /** No writer answered in time. */
  unanswered(): void;
  /** The writer answered: records flow. */
  welcomed(): void;
}

/** What an exit's wait for acknowledgements found. */
export interface AckWait {
  /** The newest batch acknowledged (0: none). */
  acked: number;
  /** The writer is gone (EOF). */
  closed: boolean;
  /**
   * The newest batch known to have left this process; later ones never reached the writer,
   * so writing them here duplicates nothing. @default the newest batch sent
   */
  sentUpTo?: number;
}

/** The forwarder's side of one way to reach the writer. */
export interface Link {
  /** A send is delivered even if this process or thread ends right after it (threads). */
  readonly sendsSurviveExit: boolean;
  /**
   * {@link awaitAcksSync} works while the process runs, not only at exit (the link owns its
   * descriptor): a full buffer can then wait for what is in flight before writing here.
   */
  readonly readsAcksSync: boolean;
  /** How batches travel (stats). */
  readonly kind: 'socket' | 'channel' | 'thread';
  /** Hands a batch over; false asks the forwarder to wait for `drain`. */
  send(batch: TextBatch): boolean;
  /** While records are in flight the link keeps the process alive; idle, it lets it exit. */
  active(on: boolean): void;
  /**
   * At exit, with no event loop (or, where {@link readsAcksSync}, while the caller blocks): reads
   * acknowledgements synchronously until batch `upTo` is acknowledged, the writer is gone, or
   * `ms` pass. Batches that have not left the process (see `sentUpTo`) are not waited for.
   */
  awaitAcksSync(upTo: number, ms: number): AckWait;
  close(): void;
}

/**
 * Reads `fd` (non-blocking) until `found` says done, EOF, or `ms` pass; blocks between empty
 * reads (see {@link Backoff}). `found` gets each chunk read. Returns whether the descriptor
 * reached EOF.
 */
export function readUntil(fd: number, ms: number, found: (chunk: Buffer) => boolean): boolean {
  const deadline = Date.now() + ms;
  const buf = Buffer.allocUnsafe(65536);
  const backoff = new Backoff();
  for (;;) {
    let n: number;
    try {
      n = fs.readSync(fd, buf, 0, buf.length, null);
    } catch (err) {
      if (!wouldBlock(err)) return true;
      if (Date.now() >= deadline) return false;
      backoff.block();
      continue;
    }
    if (n === 0) return true;
    backoff.reset();
    if (found(Buffer.from(buf.subarray(0, n)))) return false;
    if (Date.now() >= deadline) return false;
  }
}

/** An error of a non-blocking read or write that only says "not now": try again. */
export function wouldBlock(err: unknown): boolean {
  const code = errnoCode(err);
  return code === 'EAGAIN' || code === 'EWOULDBLOCK' || code === 'EINTR';
}

/**
 * The pause between tries of a synchronous wait: 50 µs at first (an acknowledgement usually
 * comes within a fraction of a millisecond, and the caller is blocked meanwhile), doubling to
 * 1 ms (a writer that is slow for longer is not polled thousands of times a second).
 */
export class Backoff {
  #ms = 0.05;

  block(): void {
    blockFor(this.#ms);
    this.#ms = Math.min(1, this.#ms * 2);
  }

  reset(): void {
    this.#ms = 0.05;
  }
}
