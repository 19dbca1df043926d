import type { FaninSignal } from './signal-policy.js';

/** Marks fanin's own signal listeners, shared by every copy of core loaded (ESM and CJS, versions). */
export const FANIN_LISTENER = Symbol.for('fanin.signal-listener');

type Counted = { count?: unknown } | undefined;

// signal-exit (v3 and v4) installs one listener per signal for every copy of it that is loaded,
// and counts those copies in a process-wide emitter: v3 in `process.__signal_exit_emitter__`
// (signal-exit 3.0.7 index.js, load()), v4 in `globalThis[Symbol.for('signal-exit emitter')]`
// (signal-exit 4.1.0 dist/cjs/index.js, load()). Its listeners are anonymous functions held in
// closures or private fields, so the count is the only robust way to recognise them; it is the
// number signal-exit itself compares `process.listeners(sig).length` with.
function countOf(emitter: Counted): number {
  const n = emitter?.count;
  return typeof n === 'number' && n > 0 ? n : 0;
}

/** Listeners of `sig` that signal-exit installed (any version, any number of copies). */
export function signalExitListeners(): number {
  const v3 = (process as unknown as { __signal_exit_emitter__?: Counted }).__signal_exit_emitter__;
  const v4 = (globalThis as Record<symbol, Counted>)[Symbol.for('signal-exit emitter')];
  return countOf(v3) + countOf(v4);
}

/** Whether `listener` is one of fanin's (from any copy of core). */
export function isFaninListener(listener: unknown): boolean {
  return (listener as Record<symbol, unknown>)[FANIN_LISTENER] === true;
}

/**
 * Listeners of `sig` the application added itself: all of them, less fanin's and
 * signal-exit's. Counted when the signal arrives, so that a listener the app added after fanin
 * opened its first writer counts, and one it removed does not.
 */
export function appListeners(sig: FaninSignal): number {
  const all = process.listeners(sig);
  const fanin = all.filter(isFaninListener).length;
  return Math.max(0, all.length - fanin - signalExitListeners());
}
