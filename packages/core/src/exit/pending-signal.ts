import { FANIN_SIGNALS } from './signal-policy.js';

let nudged = false;

// A signal sent while the process has a JS listener for it is caught by libuv and delivered at
// the loop's next poll. If nothing keeps the loop alive (an app that logs a burst, signals
// itself and ends; fanin's timers are unref'd), Node leaves the loop without polling: the signal
// is never delivered and the process exits with status 0. proper-lockfile's signal-exit listener
// did exactly that to @fanin/locked-file (#19). At the first 'beforeExit' after work, one
// setImmediate gives the loop a turn whose poll phase (timeout 0) delivers such a signal; the
// next 'beforeExit' lets the process end.
function onBeforeExit(): void {
  if (nudged) {
    nudged = false;
    return;
  }
  if (!FANIN_SIGNALS.some((sig) => process.listenerCount(sig) > 0)) return;
  nudged = true;
  setImmediate(() => {});
}

let installed = false;

/** Makes sure a signal caught just before the loop empties is still delivered (idempotent). */
export function deliverPendingSignals(): void {
  if (installed) return;
  installed = true;
  process.on('beforeExit', onBeforeExit);
}
