import { constants } from 'node:os';
import { isMainThread } from 'node:worker_threads';
import { appListeners, FANIN_LISTENER } from './app-listeners.js';
import { FANIN_SIGNALS, type FaninSignal, type SignalPolicy } from './signal-policy.js';
import { ThreadFlush } from './thread-flush.js';

/** What a writer offers at a signal beyond its synchronous flush. */
export interface SignalAware {
  flushSync(): unknown;
  /**
   * The signal flush's `flushSync()`: the process dies right after, so every wait ends by
   * `deadlineAt` (a `Date.now()` time), and nothing posted to this process's main thread will
   * be read. A writer without it is flushed with `flushSync()`.
   */
  flushAtSignal?(deadlineAt: number): unknown;
  /** From now on, write each record before `write()` returns (the process is about to die). */
  writeThrough?(): void;
  /** Write what is queued and reopen the file if its path names another one (SIGHUP). */
  reopen?(): void;
}

/** The live writers, as the exit hook keeps them; handed down so this module never reaches up. */
export interface SignalRegistry {
  policies(): Iterable<[SignalAware, SignalPolicy]>;
  /** The signal flush: every writer's `flushAtSignal()` (else `flushSync()`), reporting what was abandoned. */
  flushAll(why: string, deadlineAt: number): void;
}

// pm2 sends SIGKILL 1600 ms after its stop signal (pm2 docs, "kill_timeout" default 1600;
// lib/God/Methods.js, processIsDead); Kubernetes and docker wait 30 s and 10 s. Every wait of the
// signal flush (a queue's writer thread, an ipc writer's acknowledgements, worker threads) ends
// by this budget, whatever `exitTimeoutMs` says; writers still unflushed past it are reported.
const SIGNAL_FLUSH_BUDGET_MS = 1000;
// How long the loop is kept alive after the re-raise, in case another listener (signal-exit's)
// still catches the signal: it is then delivered at the next poll, which needs a live loop.
const REDELIVERY_MS = 1000;

/**
 * fanin's SIGTERM / SIGINT / SIGHUP listeners. Node emits no 'exit' when a signal without a
 * handler kills the process, so records queued in the last turn would die with it. When such a
 * signal arrives and the app has no listener of its own for it, fanin writes every writer's queue
 * synchronously, switches them to write-through, removes its listeners and re-raises the signal:
 * the process dies of it as it would have without fanin (status 128 + signal number). When the
 * app has a listener, fanin does nothing: the app owns shutdown, and its process.exit() runs the
 * exit flush.
 */
export class SignalFlush {
  readonly #registry: SignalRegistry;
  readonly #installed = new Map<FaninSignal, () => void>();
  readonly #threads = new ThreadFlush(() => this.update());
  #dying = false;

  constructor(registry: SignalRegistry) {
    this.#registry = registry;
  }

  /** Installs a listener for each signal some live writer wants, removes the others. */
  update(): void {
    // Signals reach the main thread only (worker_threads docs: "Signals will not be delivered
    // through process.on(...)" in a Worker).
    if (this.#dying || !isMainThread) return;
    const wanted = new Set<FaninSignal>();
    for (const [, policy] of this.#registry.policies()) {
      for (const sig of policy.signals) wanted.add(sig);
      if (policy.reopenOnSighup) wanted.add('SIGHUP');
    }
    // Writers in worker threads: the main thread listens for them (with their default policy).
    if (this.#threads.threads > 0) for (const sig of FANIN_SIGNALS) wanted.add(sig);
    for (const sig of FANIN_SIGNALS) {
      const listener = this.#installed.get(sig);
      if (wanted.has(sig) && !listener) this.#install(sig);
      else if (!wanted.has(sig) && listener) this.#remove(sig);
    }
  }

  #install(sig: FaninSignal): void {
    const listener = Object.assign(() => this.#onSignal(sig), { [FANIN_LISTENER]: true });
    // First in line: an app listener added with once() removes itself before later listeners
    // run, so fanin must look at the list before any of them has (events docs, emitter.once).
    process.prependListener(sig, listener);
    this.#installed.set(sig, listener);
  }

  #remove(sig: FaninSignal): void {
    const listener = this.#installed.get(sig);
    if (listener) process.removeListener(sig, listener);
    this.#installed.delete(sig);
  }

  #onSignal(sig: FaninSignal): void {
    if (sig === 'SIGHUP' && this.#reopen()) return;
    if (appListeners(sig) > 0) return;
    this.#dying = true;
    const deadlineAt = Date.now() + SIGNAL_FLUSH_BUDGET_MS;
    this.#registry.flushAll(`at ${sig}`, deadlineAt);
    const threads = this.#threads.threads;
    const flushed = this.#threads.flush(deadlineAt);
    if (flushed < threads) {
      process.stderr.write(`fanin: ${threads - flushed} threads not flushed at ${sig} in time\n`);
    }
    for (const [writer] of this.#registry.policies()) writer.writeThrough?.();
    for (const s of FANIN_SIGNALS) this.#remove(s);
    const signo = constants.signals[sig];
    // The kernel does not deliver a signal whose action is the default to PID 1 (kill(2):
    // "the only signals that can be sent to process ID 1 ... are those for which init has
    // explicitly installed signal handlers"): Node as a container's init would go on running.
    // Exit as the shell reports a death by that signal instead.
    if (process.pid === 1) process.exit(128 + signo);
    setTimeout(() => {}, REDELIVERY_MS);
    process.kill(process.pid, sig);
  }

  // SIGHUP for writers that reopen on it (log4js's meaning): write, reopen, keep running.
  #reopen(): boolean {
    let any = false;
    for (const [writer, policy] of this.#registry.policies()) {
      if (!policy.reopenOnSighup) continue;
      any = true;
      if (writer.reopen) writer.reopen();
      else writer.flushSync();
    }
    return any;
  }
}
