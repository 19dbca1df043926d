import { BroadcastChannel } from 'node:worker_threads';
import type { Link, LinkEvents } from './link.js';
import type { Batch } from './wire.js';

/** Messages between a worker thread and its process's main thread. */
export type ThreadMessage =
  | { t: 'hello' | 'welcome' }
  | { t: 'batch'; records: string[]; levels: string[] };

/** The channel name both sides of one log file use. */
export const threadChannelName = (file: string) => `fanin-ipc:${file}`;

/**
 * A worker thread forwards to its process's main thread over a BroadcastChannel named after
 * the log file. A posted message is queued in the receiving thread at once, so it survives the
 * sender's exit: no acknowledgements are needed, and `send` counts as acknowledged.
 */
export class ThreadLink implements Link {
  readonly kind = 'thread' as const;
  readonly sendsSurviveExit = true;
  readonly #channel: BroadcastChannel;
  readonly #events: LinkEvents;
  #welcomed = false;
  #closed = false;

  constructor(file: string, events: LinkEvents) {
    this.#events = events;
    this.#channel = new BroadcastChannel(threadChannelName(file));
    this.#channel.unref();
    this.#channel.onmessage = (e) => {
      const m = (e as MessageEvent).data as ThreadMessage;
      if (m?.t === 'welcome' && !this.#welcomed) {
        this.#welcomed = true;
        events.welcome();
      }
    };
    this.#channel.postMessage({ t: 'hello' } satisfies ThreadMessage);
  }

  send(batch: Batch): boolean {
    if (this.#closed) return false;
    const m: ThreadMessage = { t: 'batch', records: batch.records, levels: batch.levels };
    this.#channel.postMessage(m);
    queueMicrotask(() => this.#events.ack(batch.seq));
    return true;
  }

  active(_on: boolean): void {}

  awaitAcksSync(upTo: number): { acked: number; closed: boolean } {
    return { acked: upTo, closed: this.#closed };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#channel.close();
  }
}
