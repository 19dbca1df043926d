import * as net from 'node:net';
import { ACK_TOKEN_RE, type ChannelMessage, isChannelMessage } from './channel-messages.js';
import type { AckWait, Link, LinkEvents } from './link.js';
import { readUntil } from './link.js';
import { SocketLink } from './socket-link.js';
import type { TextBatch } from './text-batch.js';

/** The parts of `process` (in a cluster worker or a forked child) a channel link uses. */
type ChildProcessSide = NodeJS.Process & {
  send: NonNullable<NodeJS.Process['send']>;
  channel?: { fd?: number };
};

const TOKEN_CARRY = 24;

/**
 * Forwarding over the process's IPC channel (cluster worker → primary, forked child → parent).
 * `process.send`'s return value is the back-pressure signal (Node returns false once its write
 * queue is over 128 KiB); the send callback says the bytes left this process.
 *
 * Node refs the channel while the process has 'message' listeners, which would keep a worker
 * alive for ever; the link listens only while it waits for a welcome or for acknowledgements.
 *
 * When the writer's welcome offers its private socket, the batches and acknowledgements go
 * over that instead ({@link SocketLink}, binary frames: no serialization of every message);
 * the channel still brings the goodbye and the disconnect. Records do not wait for it: they
 * go over the channel until the socket is welcomed; then new batches wait here until every
 * batch sent over the channel is acknowledged (so the writer cannot take a later batch before
 * an earlier one), and from then on go over the socket. If it cannot be reached, or closes
 * before the switch, they stay on the channel.
 */
export class ChannelLink implements Link {
  readonly sendsSurviveExit = false;
  readonly #proc: ChildProcessSide;
  readonly #events: LinkEvents;
  readonly #onMessage = (m: unknown) => this.#message(m);
  readonly #onDisconnect = () => this.#lose('the IPC channel to the writer closed');
  #listening = false;
  #welcomed = false;
  #blocked = false;
  #closed = false;
  #busy = false;
  /** The writer's private socket, once it welcomed this process there. */
  #side: SocketLink | undefined;
  #trying: SocketLink | undefined;
  /** Batches go over the private socket from now on. */
  #onSide = false;
  /** The newest batch sent, and acknowledged, over the channel. */
  #channelSent = 0;
  #channelAcked = 0;
  /** Batches taken while the channel still had some in flight, once the socket was ready. */
  #held: TextBatch[] = [];
  readonly #maxFrameBytes: number;

  constructor(events: LinkEvents, maxFrameBytes: number) {
    this.#proc = process as ChildProcessSide;
    this.#events = events;
    this.#maxFrameBytes = maxFrameBytes;
    this.#listen(true);
    this.#post({ fanin: 'ipc', v: 1, t: 'hello', pid: process.pid });
  }

  send(batch: TextBatch): boolean {
    const side = this.#side;
    if (side && !this.#onSide && this.#channelAcked < this.#channelSent) {
      this.#held.push(batch);
      this.#blocked = true;
      return false;
    }
    if (side) {
      this.#onSide = true;
      return side.send(batch);
    }
    return this.#sendOverChannel(batch);
  }

  #sendOverChannel(batch: TextBatch): boolean {
    const { seq, text, lens, levels } = batch;
    this.#channelSent = seq;
    const ok = this.#post({ fanin: 'ipc', v: 1, t: 'batch', seq, text, lens, levels });
    if (!ok) this.#blocked = true;
    return ok;
  }

  active(on: boolean): void {
    this.#busy = on;
    this.#listen(on || !this.#welcomed);
    this.#side?.active(on);
  }

  /** Over the private socket, also while the process runs (see {@link readsAcksSync}). */
  awaitAcksSync(upTo: number, ms: number): AckWait {
    if (this.#onSide && this.#side) return this.#side.awaitAcksSync(upTo, ms);
    const fd = this.#proc.channel?.fd;
    if (this.#closed || !this.#proc.connected || fd === undefined)
      return { acked: 0, closed: true };
    // Batches held for the switch never left this process.
    const sentUpTo = Math.min(upTo, this.#channelSent);
    if (this.#channelAcked >= sentUpTo)
      return { acked: this.#channelAcked, closed: false, sentUpTo };
    let acked = 0;
    let carry = '';
    // After 'exit' nothing else reads the channel: reading its descriptor here takes nothing
    // from Node. The token is found in the raw bytes under JSON and V8 serialization alike.
    const closed = readUntil(fd, ms, (chunk) => {
      const text = carry + chunk.toString('latin1');
      for (const m of text.matchAll(ACK_TOKEN_RE)) acked = Math.max(acked, Number(m[1]));
      carry = text.slice(-TOKEN_CARRY);
      return acked >= sentUpTo;
    });
    return { acked, closed, sentUpTo };
  }

  /**
   * Acknowledgements can be read synchronously while the process runs only from the private
   * socket: the channel's descriptor is Node's until the process exits.
   */
  get readsAcksSync(): boolean {
    return this.#onSide;
  }

  get kind(): 'socket' | 'channel' {
    return this.#onSide ? 'socket' : 'channel';
  }

  close(): void {
    this.#closed = true;
    this.#listen(false);
    this.#side?.close();
    this.#trying?.close();
  }

  #post(m: ChannelMessage): boolean {
    if (this.#closed) return false;
    if (!this.#proc.connected) {
      this.#lose('the IPC channel to the writer is closed');
      return false;
    }
    try {
      return this.#proc.send(m, (err: Error | null) => {
        if (err) this.#lose(`sending to the writer failed: ${err.message}`);
        else if (this.#blocked) {
          this.#blocked = false;
          this.#events.drain();
        }
      });
    } catch (err) {
      this.#lose(`sending to the writer failed: ${(err as Error).message}`);
      return false;
    }
  }

  #message(m: unknown): void {
    if (!isChannelMessage(m) || this.#closed) return;
    if (m.t === 'welcome' && !this.#welcomed) {
      if (typeof m.sock === 'string' && typeof m.key === 'string') this.#trySide(m.sock, m.key);
      this.#welcome();
    } else if (m.t === 'ack' && Number.isInteger(m.seq)) {
      this.#channelAcked = Math.max(this.#channelAcked, m.seq);
      this.#events.ack(m.seq);
      if (this.#held.length > 0 && this.#channelAcked >= this.#channelSent) this.#release();
    } else if (m.t === 'bye') {
      this.#lose('the writer closed', true);
    }
  }

  #welcome(): void {
    this.#welcomed = true;
    this.#listen(this.#busy);
    this.#events.welcome();
  }

  // Connects to the writer's private socket; once it is welcomed there, the next batch sent
  // with nothing in flight over the channel goes over it. A socket that closes before batches
  // went over it (refused, no such file, a wrong key, a writer closing) leaves the channel.
  #trySide(sock: string, key: string): void {
    const socket = net.connect(sock);
    const link: SocketLink = new SocketLink(
      socket,
      {
        welcome: () => {
          if (this.#closed || this.#trying !== link) return;
          this.#trying = undefined;
          this.#side = link;
          link.active(this.#busy);
        },
        ack: (seq) => this.#events.ack(seq),
        drain: () => this.#events.drain(),
        lost: (why, quiet) => {
          if (this.#onSide && this.#side === link) this.#lose(why, quiet);
          else if (this.#side === link) {
            this.#side = undefined;
            this.#release();
          } else if (this.#trying === link) this.#trying = undefined;
        },
      },
      this.#maxFrameBytes,
      key,
    );
    this.#trying = link;
  }

  // Sends the batches held for the switch: over the socket once the channel has nothing in
  // flight, over the channel if the socket went away first; then the forwarder may go on.
  #release(): void {
    const held = this.#held;
    if (held.length === 0 || this.#closed) return;
    this.#held = [];
    let ok = true;
    for (const b of held) ok = this.send(b) && ok;
    if (ok && this.#blocked) {
      this.#blocked = false;
      this.#events.drain();
    }
  }

  #lose(why: string, quiet = false): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#listen(false);
    this.#side?.close();
    this.#trying?.close();
    this.#events.lost(why, quiet);
  }

  #listen(on: boolean): void {
    if (on === this.#listening) return;
    this.#listening = on;
    if (on) {
      this.#proc.on('message', this.#onMessage);
      this.#proc.on('disconnect', this.#onDisconnect);
    } else {
      this.#proc.off('message', this.#onMessage);
      this.#proc.off('disconnect', this.#onDisconnect);
    }
  }
}
