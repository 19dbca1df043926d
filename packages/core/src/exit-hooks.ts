/** Anything with a synchronous flush: every live writer registers here. */
export interface SyncFlushable {
  flushSync(): unknown;
}

const live = new Set<SyncFlushable>();
let installed = false;

// 'exit' listeners may only do synchronous work (process docs: "Listener functions must only
// perform synchronous operations"). Node emits 'exit' on process.exit(), on a natural end and
// after an uncaught exception; not on a signal that kills the process (SIGKILL, or SIGTERM/SIGINT
// without a handler). fanin installs no signal handler, so it never changes how an app exits.
function flushAll(): void {
  for (const writer of live) {
    try {
      const outcome = writer.flushSync() as { abandoned?: number } | undefined;
      // Records that could not be written in the exit budget are lost with the process: say so.
      if (outcome?.abandoned) {
        process.stderr.write(`fanin: ${outcome.abandoned} records could not be written at exit\n`);
      }
    } catch (err) {
      process.stderr.write(`fanin: flush at exit failed: ${String(err)}\n`);
    }
  }
}

/**
 * Runs `writer.flushSync()` when the process (or worker thread) exits. Returns the function
 * that unregisters it; `close()` calls it.
 *
 * @example
 * const off = registerExitFlush(writer); // … later, on close: off();
 */
export function registerExitFlush(writer: SyncFlushable): () => void {
  live.add(writer);
  if (!installed) {
    process.on('exit', flushAll);
    installed = true;
  }
  return () => {
    live.delete(writer);
  };
}
