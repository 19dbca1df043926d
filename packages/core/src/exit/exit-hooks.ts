import { isMainThread } from 'node:worker_threads';
import { deliverPendingSignals } from './pending-signal.js';
import { type SignalAware, SignalFlush } from './signal-flush.js';
import { DEFAULT_SIGNAL_POLICY, type SignalPolicy } from './signal-policy.js';
import { joinThreadFlush } from './thread-flush.js';

/**
 * Anything with a synchronous flush: every live writer registers here. The two optional methods
 * serve the signal flush; a writer without them is flushed at a signal all the same.
 */
export interface SyncFlushable extends SignalAware {
  flushSync(): unknown;
}

const live = new Map<SyncFlushable, SignalPolicy>();
let installed = false;
// In a worker thread: leaves the main thread's signal flush (set while this thread has writers).
let leaveThreads: (() => void) | undefined;

// `deadlineAt`: at a signal (the process dies right after), the writer's bounded signal flush.
function flushOne(writer: SyncFlushable, why: string, deadlineAt?: number): void {
  try {
    const outcome = (
      deadlineAt !== undefined && writer.flushAtSignal
        ? writer.flushAtSignal(deadlineAt)
        : writer.flushSync()
    ) as { abandoned?: number } | undefined;
    // Records that could not be written in the exit budget are lost with the process: say so.
    if (outcome?.abandoned) {
      process.stderr.write(`fanin: ${outcome.abandoned} records could not be written ${why}\n`);
    }
  } catch (err) {
    process.stderr.write(`fanin: flush ${why} failed: ${String(err)}\n`);
  }
}

// 'exit' listeners may only do synchronous work (process docs: "Listener functions must only
// perform synchronous operations"). Node emits 'exit' on process.exit(), on a natural end and
// after an uncaught exception; not on a signal that kills the process: that is the signal
// flush's part (exit/signal-flush.ts), which passes its deadline.
function flushAll(why = 'at exit', deadlineAt?: number): void {
  let skipped = 0;
  for (const writer of live.keys()) {
    if (deadlineAt !== undefined && Date.now() > deadlineAt) skipped++;
    else flushOne(writer, why, deadlineAt);
  }
  if (skipped > 0) process.stderr.write(`fanin: ${skipped} writers not flushed ${why} in time\n`);
}

const signals = new SignalFlush({
  policies: () => live.entries(),
  flushAll,
});

/**
 * Runs `writer.flushSync()` when the process (or worker thread) exits, and at SIGTERM / SIGINT /
 * SIGHUP when the app has no listener of its own for them (see {@link setSignalPolicy}). Returns
 * the function that unregisters it; `close()` calls it. The signal listeners are installed with
 * the first writer and removed with the last.
 *
 * @example
 * const off = registerExitFlush(writer); // … later, on close: off();
 */
export function registerExitFlush(writer: SyncFlushable): () => void {
  live.set(writer, live.get(writer) ?? DEFAULT_SIGNAL_POLICY);
  if (!installed) {
    process.on('exit', () => {
      flushAll();
      leaveThreads?.();
    });
    deliverPendingSignals();
    installed = true;
  }
  if (!isMainThread) leaveThreads ??= joinThreadFlush(flushForMainThread);
  signals.update();
  return () => {
    live.delete(writer);
    signals.update();
    if (live.size === 0) {
      leaveThreads?.();
      leaveThreads = undefined;
    }
  };
}

// A worker thread's part of the main thread's signal flush (exit/thread-flush.ts).
function flushForMainThread(deadlineAt: number): void {
  flushAll('at a signal', deadlineAt);
  for (const writer of live.keys()) writer.writeThrough?.();
}

/**
 * Sets what a registered writer wants at a signal (the transports' `signals` and
 * `reopenOnSignal` options). A writer that is not registered (closed, or `exitHook: false`) is
 * left alone.
 *
 * @example
 * setSignalPolicy(writer, { signals: ['SIGTERM'], reopenOnSighup: false });
 */
export function setSignalPolicy(writer: SyncFlushable, policy: SignalPolicy): void {
  if (!live.has(writer)) return;
  live.set(writer, policy);
  signals.update();
}
