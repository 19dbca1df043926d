import { BroadcastChannel, isMainThread } from 'node:worker_threads';

// Signals reach the main thread only (worker_threads docs: "Signals will not be delivered through
// process.on(...)" in a Worker), and a process killed by one ends its threads mid-turn. Threads
// with live writers say so on this channel; at a signal the main thread asks them to flush and
// waits (Atomics.wait, bounded) until each has, before it re-raises. A thread busy in a long
// synchronous loop cannot answer in time: its last turn is lost, as without fanin.
const CHANNEL = 'fanin.signal-flush';

type Message =
  | { kind: 'join' | 'leave' }
  | { kind: 'flush'; done: SharedArrayBuffer; deadlineAt: number };

/**
 * The main thread's side: counts the threads that have writers, and flushes them at a signal.
 * `onChange` is called when that count changes (the signal listeners depend on it).
 */
export class ThreadFlush {
  #threads = 0;
  readonly #channel: BroadcastChannel | undefined;

  constructor(onChange: () => void) {
    if (!isMainThread) return;
    this.#channel = new BroadcastChannel(CHANNEL);
    // Listening must never keep the process alive by itself.
    this.#channel.unref();
    this.#channel.onmessage = (event) => {
      const kind = ((event as MessageEvent).data as Message).kind;
      if (kind === 'join') this.#threads++;
      else if (kind === 'leave') this.#threads = Math.max(0, this.#threads - 1);
      else return;
      onChange();
    };
  }

  /** Threads with live writers, as last heard. */
  get threads(): number {
    return this.#threads;
  }

  /**
   * Asks every thread to flush by `deadlineAt` (a `Date.now()` time: the threads share the
   * clock) and waits until each did, or the deadline passed; returns how many did.
   */
  flush(deadlineAt: number): number {
    if (!this.#channel || this.#threads === 0) return 0;
    const done = new SharedArrayBuffer(4);
    const count = new Int32Array(done);
    this.#channel.postMessage({ kind: 'flush', done, deadlineAt } satisfies Message);
    for (;;) {
      const seen = Atomics.load(count, 0);
      const left = deadlineAt - Date.now();
      if (seen >= this.#threads || left <= 0) return seen;
      Atomics.wait(count, 0, seen, left);
    }
  }
}

/**
 * A worker thread's side: joins while it has writers, and at the main thread's request runs
 * `flush` (the thread's signal flush, by the main thread's deadline, and write-through). Returns
 * the function that leaves.
 */
export function joinThreadFlush(flush: (deadlineAt: number) => void): () => void {
  const channel = new BroadcastChannel(CHANNEL);
  channel.unref();
  channel.onmessage = (event) => {
    const message = (event as MessageEvent).data as Message;
    if (message.kind !== 'flush') return;
    flush(message.deadlineAt);
    const count = new Int32Array(message.done);
    Atomics.add(count, 0, 1);
    Atomics.notify(count, 0);
  };
  channel.postMessage({ kind: 'join' } satisfies Message);
  let left = false;
  return () => {
    if (left) return;
    left = true;
    channel.postMessage({ kind: 'leave' } satisfies Message);
    channel.close();
  };
}
