import type * as net from 'node:net';
import type { AckWait, Link, LinkEvents } from './link.js';
import { readUntil } from './link.js';
import {
  ACK,
  BYE,
  encodeHello,
  encodeTextFrame,
  type Frame,
  FrameDecoder,
  FrameError,
  HELLO,
  type TextBatch,
  WELCOME,
} from './wire.js';

/** Room for a batch of 32 K characters (up to 3 bytes each) and its lengths. */
const SCRATCH_BYTES = 128 * 1024;

/** Node keeps a socket's descriptor on its handle; there is no public accessor. */
export const fdOf = (socket: net.Socket): number | undefined =>
  (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;

/**
 * Forwarding over a connected Unix socket: frames of the fanin wire format, `write`'s return
 * value and `'drain'` for back-pressure. The socket is unref'ed while idle so that it never
 * keeps a process alive that has nothing left to send.
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
    socket.on('drain', () => events.drain());
    // A writer handing over says goodbye before it closes; an EPIPE or a reset after that (or
    // racing it) is part of the hand-over. So the verdict waits for 'close'.
    socket.on('error', (err) => {
      this.#failure ??= `the socket to the writer failed: ${err.message}`;
    });
    // A connection the writer never welcomed was reset by a writer on its way out (still in
    // its listen backlog, or accepted as it exited): no writer was lost, the next is elected.
    socket.on('close', () => {
      if (this.#bye || !this.#welcomed) this.#lose('the writer closed', true);
      else this.#lose(this.#failure ?? 'the socket to the writer closed');
    });
    socket.write(encodeHello(HELLO, key));
  }

  /**
   * One TEXT frame, encoded into a scratch buffer that is used again as long as each write is
   * taken whole by the kernel at once (Node then holds nothing of it); a frame Node has to keep
   * keeps its buffer, and the next frame gets a new one.
   */
  send(batch: TextBatch): boolean {
    if (this.#closed) return false;
    const frame = encodeTextFrame(batch, this.#scratch);
    this.#sent.push([batch.seq, frame.length]);
    const ok = this.#socket.write(frame);
    // Anything still held by Node may be this frame: its buffer is no longer the scratch.
    if (this.#socket.writableLength > 0 && frame.buffer === this.#scratch?.buffer) {
      this.#scratch = undefined;
    }
    this.#scratch ??= Buffer.allocUnsafeSlow(SCRATCH_BYTES);
    return ok;
  }

  active(on: boolean): void {
    if (this.#closed) return;
    if (on) this.#socket.ref();
    else this.#socket.unref();
  }

  /**
   * Waits only for frames that left this process: `writableLength` is what Node still holds
   * (a write's bytes leave its count once the kernel took them), so the newest frames adding
   * up to it never reached the writer — the oldest of them perhaps in part, which the writer
   * discards as a cut-off frame when this process is gone.
   */
  awaitAcksSync(upTo: number, ms: number): AckWait {
    const fd = fdOf(this.#socket);
    if (this.#closed || fd === undefined) return { acked: 0, closed: true };
    if (this.#sent.length === 0) return { acked: upTo, closed: false };
    let held = this.#socket.writableLength;
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
      closed = readUntil(fd, ms, (chunk) => {
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

  // Goodbye: the writer is closing on purpose. Close this side (the writer waits for it), and
  // report the loss quietly once the socket is closed.
  #goodbye(): void {
    this.#bye = true;
    this.#socket.end();
  }

  #lose(why: string, quiet = false): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.end();
    this.#events.lost(why, quiet);
  }
}
