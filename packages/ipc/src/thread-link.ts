import { BroadcastChannel, threadId } from 'node:worker_threads';
import type { AckWait, Link, LinkEvents } from './link.js';
import type { TextBatch } from './text-batch.js';

/** Messages between a worker thread and its process's main thread. */
export type ThreadMessage =
  | { t: 'hello'; id: number; acks: SharedArrayBuffer }
  | { t: 'welcome' }
  | ({ t: 'batch'; id: number } & TextBatch)
  | { t: 'ack'; id: number; seq: number };

/** The channel name both sides of one log file use. */
export const threadChannelName = (file: string) => `fanin-ipc:${file}`;

/**
 * A worker thread forwards to its process's main thread over a BroadcastChannel named after
 * the log file. The main thread acknowledges each batch once written, by a message and in a
 * shared cell (`acks`), so that a thread can wait for it synchronously at exit. A posted
 * message survives the thread, so what is not acknowledged by then still arrives; the cell
 * also holds the last batch sent, so that the main thread's `close()` waits for batches still
 * on their way (the thread's 'exit' event may come first).
 */
export class ThreadLink implements Link {
  readonly sendsSurviveExit = true;
  readonly readsAcksSync = true;
  readonly kind = 'thread';
  readonly #channel: BroadcastChannel;
  // [0]: the last batch the main thread acknowledged; [1]: the last batch this thread sent.
  readonly #acks = new Int32Array(new SharedArrayBuffer(8));
  #welcomed = false;
  #closed = false;

  constructor(file: string, events: LinkEvents) {
    this.#channel = new BroadcastChannel(threadChannelName(file));
    this.#channel.onmessage = (e) => {
      const m = (e as MessageEvent).data as ThreadMessage;
      if (m?.t === 'welcome' && !this.#welcomed) {
        this.#welcomed = true;
        events.welcome();
      } else if (m?.t === 'ack' && m.id === threadId) {
        events.ack(m.seq);
      }
    };
    this.#post({ t: 'hello', id: threadId, acks: this.#acks.buffer as SharedArrayBuffer });
  }

  send(batch: TextBatch): boolean {
    const { seq, text, lens, levels } = batch;
    Atomics.store(this.#acks, 1, seq);
    return this.#post({ t: 'batch', id: threadId, seq, text, lens, levels });
  }

  active(on: boolean): void {
    if (this.#closed) return;
    if (on) this.#channel.ref();
    else this.#channel.unref();
  }

  /**
   * Waits on the shared cell, which the main thread sets (and notifies) once it has written a
   * batch: for a full buffer. (A thread's exit posts the rest instead, see sendsSurviveExit, and
   * the main thread's close() waits for what is on its way.)
   */
  awaitAcksSync(upTo: number, ms: number): AckWait {
    const deadline = Date.now() + ms;
    for (;;) {
      const acked = Atomics.load(this.#acks, 0);
      const left = deadline - Date.now();
      if (acked >= upTo || left <= 0 || this.#closed) return { acked, closed: this.#closed };
      Atomics.wait(this.#acks, 0, acked, left);
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#channel.close();
  }

  #post(m: ThreadMessage): boolean {
    if (this.#closed) return false;
    this.#channel.postMessage(m);
    return true;
  }
}
