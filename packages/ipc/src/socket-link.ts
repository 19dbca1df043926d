import * as fs from 'node:fs';
import type * as net from 'node:net';
import { FrameDecoder } from './frame-decoder.js';
import {
  ACK,
  BYE,
  encodeHello,
  encodeTextFrame,
  type Frame,
  FrameError,
  HELLO,
  WELCOME,
} from './frames.js';
import type { AckWait, Link, LinkEvents } from './link.js';
import { Backoff, readUntil, wouldBlock } from './link.js';
import type { TextBatch } from './text-batch.js';

/** Tries on the next event-loop turns before a full socket is tried once a millisecond. */
const RETRY_TURNS = 50;

/** Room for a batch of 32 K characters (up to 3 bytes each) and its lengths. */
const SCRATCH_BYTES = 128 * 1024;

/** Node keeps a socket's descriptor on its handle; there is no public accessor. */
export const fdOf = (socket: net.Socket): number | undefined =>
  (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;

/**
 * Forwarding over a connected Unix socket: frames of the fanin wire format. Batches are
 * written to the socket's descriptor directly (write(2) on the non-blocking socket), not
 * through Node's stream: so this link knows, at every moment, which frames the kernel has
 * taken whole — and a frame the kernel took only in part stays here, where a full buffer or
 * an exit can finish writing it synchronously before it waits for acknowledgements (Node's
 * stream would hold it where nothing but the event loop can send it). While the kernel's
 * buffer is full, the rest is tried again (see #retryLater) and `send` returns false until it
 * is all out (then `drain`). The socket is unref'ed while idle so that it never keeps a
 * process alive that has nothing left to send.
 */
export class SocketLink implements Link {
  readonly sendsSurviveExit = false;
  readonly readsAcksSync = true;
  readonly kind = 'socket';
  readonly #socket: net.Socket;
  readonly #events: LinkEvents;
  readonly #decoder: FrameDecoder;
  /** Frames sent and not yet acknowledged: [seq, bytes], oldest first. */
  readonly #sent: [number, number][] = [];
  #closed = false;
  #bye = false;
  #welcomed = false;
  #failure: string | undefined;
  #scratch: Buffer | undefined;
  /** Bytes of frames the kernel has not taken yet, oldest first. */
  readonly #queue: Buffer[] = [];
  #queued = 0;
  /** Cancels the scheduled try of the queue, when one is scheduled. */
  #retry: (() => void) | undefined;
  #tries = 0;

  /** `key`: what a writer's private socket asks of a HELLO (cluster and fork children). */
  constructor(socket: net.Socket, events: LinkEvents, maxFrameBytes: number, key?: string) {
    this.#socket = socket;
    this.#events = events;
    this.#decoder = new FrameDecoder(maxFrameBytes);
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const f of this.#decoder.push(chunk)) this.#frame(f);
      } catch (err) {
        this.#failure = `the writer sent a bad frame: ${(err as Error).message}`;
        socket.destroy();
      }
    });
    // A writer handing over says goodbye before it closes; an EPIPE or a reset after that (or
    // racing it) is part of the hand-over. So the verdict waits for 'close'.
    socket.on('error', (err) => {
      this.#failure ??= `the socket to the writer failed: ${err.message}`;
    });
    // Only where the stream carries the batches (see send).
    socket.on('drain', () => events.drain());
    // A connection the writer never welcomed was reset by a writer on its way out (still in
    // its listen backlog, or accepted as it exited): no writer was lost, the next is elected.
    socket.on('close', () => {
      this.#retry?.();
      if (this.#bye || !this.#welcomed) this.#lose('the writer closed', true);
      else this.#lose(this.#failure ?? 'the socket to the writer closed');
    });
    socket.write(encodeHello(HELLO, key));
  }

  /**
   * One TEXT frame, encoded into a scratch buffer and written at once when nothing is queued;
   * what the kernel does not take is copied to the queue (the scratch stays this link's).
   */
  send(batch: TextBatch): boolean {
    if (this.#closed) return false;
    this.#scratch ??= Buffer.allocUnsafeSlow(SCRATCH_BYTES);
    const frame = encodeTextFrame(batch, this.#scratch);
    this.#sent.push([batch.seq, frame.length]);
    // No descriptor to write to (a Windows pipe has none): Node's stream, with its drain.
    const fd = fdOf(this.#socket);
    if (fd !== undefined && fd < 0) return this.#socket.write(Buffer.from(frame));
    const n = this.#queue.length === 0 ? this.#writeNow(frame) : 0;
    if (n === frame.length) return true;
    this.#queue.push(Buffer.from(frame.subarray(n)));
    this.#queued += frame.length - n;
    this.#retryLater();
    return false;
  }

  // write(2) on the socket's descriptor: the bytes taken (0 when its buffer is full). A failed
  // socket is destroyed: its 'close' reports the loss.
  #writeNow(bytes: Buffer): number {
    const fd = fdOf(this.#socket);
    if (fd === undefined) return 0;
    try {
      return fs.writeSync(fd, bytes);
    } catch (err) {
      if (wouldBlock(err)) return 0;
      this.#failure ??= `writing to the writer failed: ${(err as Error).message}`;
      this.#socket.destroy();
      return 0;
    }
  }

  // Writes what the kernel takes of the queue; true once it is empty.
  #flushQueue(): boolean {
    while (this.#queue.length > 0) {
      const head = this.#queue[0] as Buffer;
      const n = this.#writeNow(head);
      this.#queued -= n;
      if (n < head.length) {
        this.#queue[0] = head.subarray(n);
        return false;
      }
      this.#queue.shift();
    }
    return true;
  }

  // The kernel's buffer is full: try again on the next event-loop turns (a busy process turns
  // often, and a try is one write(2) that says EAGAIN), then every millisecond — a writer that
  // reads nothing for longer is not polled in a spin.
  #retryLater(): void {
    if (this.#retry !== undefined || this.#socket.destroyed) return;
    const again = () => {
      this.#retry = undefined;
      if (this.#socket.destroyed) return;
      if (this.#flushQueue()) {
        this.#tries = 0;
        this.#events.drain();
      } else this.#retryLater();
    };
    if (++this.#tries <= RETRY_TURNS) {
      const immediate = setImmediate(again);
      this.#retry = () => clearImmediate(immediate);
    } else {
      const timer = setTimeout(again, 1);
      this.#retry = () => clearTimeout(timer);
    }
  }

  active(on: boolean): void {
    if (this.#closed) return;
    if (on) this.#socket.ref();
    else this.#socket.unref();
  }

  /**
   * Finishes writing the queue first (blocking between tries, within `ms`), then waits for
   * the frames that left this process. What is still queued at the deadline never reached the
   * writer whole — the oldest of it perhaps in part, which the writer discards as a cut-off
   * frame when this process is gone.
   */
  awaitAcksSync(upTo: number, ms: number): AckWait {
    const fd = fdOf(this.#socket);
    if (this.#closed || fd === undefined) return { acked: 0, closed: true };
    if (this.#sent.length === 0) return { acked: upTo, closed: false };
    const deadline = Date.now() + ms;
    // (A retry still scheduled runs later and reports the drain.)
    const backoff = new Backoff();
    while (!this.#flushQueue() && !this.#socket.destroyed && Date.now() < deadline) backoff.block();
    let held = this.#queued;
    let sentUpTo = upTo;
    for (let i = this.#sent.length - 1; i >= 0 && held > 0; i--) {
      const [seq, bytes] = this.#sent[i] as [number, number];
      held -= bytes;
      sentUpTo = seq - 1;
    }
    let acked = 0;
    if (sentUpTo <= (this.#sent[0]?.[0] ?? 1) - 1) return { acked, closed: false, sentUpTo };
    // Frames other than acknowledgements (a goodbye) are handled once the event loop runs again.
    const later: Frame[] = [];
    let closed: boolean;
    try {
      closed = readUntil(fd, Math.max(0, deadline - Date.now()), (chunk) => {
        for (const f of this.#decoder.push(chunk)) {
          if (f.type === ACK) acked = f.seq;
          else later.push(f);
        }
        return acked >= sentUpTo;
      });
    } catch {
      closed = true;
    }
    this.#dropAcked(acked);
    if (later.length > 0) {
      setImmediate(() => {
        try {
          for (const f of later) this.#frame(f);
        } catch (err) {
          this.#failure = `the writer sent a bad frame: ${(err as Error).message}`;
          this.#socket.destroy();
        }
      });
    }
    if (closed) this.#socket.destroy();
    return { acked, closed, sentUpTo };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#retry?.();
    this.#socket.end();
    this.#socket.unref();
  }

  #frame(f: Frame): void {
    if (f.type === WELCOME) {
      this.#welcomed = true;
      this.#events.welcome();
    } else if (f.type === ACK) {
      this.#dropAcked(f.seq);
      this.#events.ack(f.seq);
    } else if (f.type === BYE) this.#goodbye();
    else throw new FrameError(`unexpected frame type ${f.type} from the writer`);
  }

  #dropAcked(seq: number): void {
    while (this.#sent.length > 0 && (this.#sent[0] as [number, number])[0] <= seq) {
      this.#sent.shift();
    }
  }

  // Goodbye: the writer is closing on purpose, and waits for this side to close. What it did
  // not acknowledge is written here first (the loss is reported quietly now), and only then is
  // this side closed: a writer that dies of a signal takes the whole container with it (the
  // kernel SIGKILLs every process of a PID namespace whose init exits, pid_namespaces(7)), so
  // this process may not outlive the writer by more than the writer's wait.
  #goodbye(): void {
    this.#bye = true;
    this.#lose('the writer closed', true);
  }

  // The host hears of the loss before this side is shut down (see #goodbye).
  #lose(why: string, quiet = false): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#events.lost(why, quiet);
    this.#socket.end();
  }
}
