import { BroadcastChannel } from 'node:worker_threads';
import type { Peer, PeerIntake } from './peer.js';
import { type ThreadMessage, threadChannelName } from './thread-link.js';

/**
 * The main thread's side of its worker threads (every process serves them, whatever its role):
 * a BroadcastChannel named after the log file. Each thread's batches are acknowledged by a
 * message and in the shared cell the thread gave in its hello (it waits on that at exit).
 */
export class ThreadPeers {
  readonly #channel: BroadcastChannel;
  readonly #cells = new Map<number, Int32Array>();
  readonly #peers = new Map<number, Peer>();
  #progress: (() => void) | undefined;

  constructor(file: string, intake: PeerIntake) {
    const channel = new BroadcastChannel(threadChannelName(file));
    this.#channel = channel;
    channel.unref();
    channel.onmessage = (e) => {
      const m = (e as MessageEvent).data as ThreadMessage;
      if (m?.t === 'hello') {
        this.#cells.set(m.id, new Int32Array(m.acks));
        channel.postMessage({ t: 'welcome' } satisfies ThreadMessage);
      } else if (m?.t === 'batch') {
        intake.accept(this.#peerOf(m.id), m);
        this.#progress?.();
      }
    };
  }

  #peerOf(id: number): Peer {
    let peer = this.#peers.get(id);
    if (!peer) {
      const cell = this.#cells.get(id);
      const store = (seq: number) => {
        if (!cell) return;
        Atomics.store(cell, 0, seq);
        Atomics.notify(cell, 0);
      };
      peer = {
        received: 0,
        ack: (seq) => {
          store(seq);
          this.#channel.postMessage({ t: 'ack', id, seq } satisfies ThreadMessage);
        },
        // At a signal the thread reads the cell while this thread waits for it (no message
        // would be read): what it does not cover, the thread writes itself.
        ackSync: store,
      };
      this.#peers.set(id, peer);
    }
    return peer;
  }

  /**
   * Resolves once every batch a worker thread sent has arrived (it may still be queued when
   * the thread's 'exit' event comes) and `written` resolved after it, or after `ms`.
   */
  async settled(ms: number, written: () => Promise<unknown>): Promise<void> {
    const cells = [...this.#cells.values()];
    const behind = () => cells.some((c) => Atomics.load(c, 1) > Atomics.load(c, 0));
    const deadline = Date.now() + ms;
    while (behind() && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.#progress = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#progress = undefined;
      // The acknowledgement is stored once the file writer wrote the batch: let it.
      await written();
    }
  }

  close(): void {
    this.#channel.close();
  }
}
