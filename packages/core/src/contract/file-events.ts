/**
 * What happened to the files of a log, as seen by the process (or thread) that did it. The
 * framework adapters turn these into the events winston File and winston-daily-rotate-file emit
 * (`'open'`, `'rotate'`, `'new'`, `'archive'`, `'logRemoved'`, `'fileclosed'`).
 *
 * - `open`: this writer opened the active file (first open, reopen after an external rotation,
 *   or following another process's rotation).
 * - `new`: this writer created a new active file (by its own rotation or a new date period).
 * - `rotate`: this writer rotated: the file that was active (`from`) is now `to` (its rotated
 *   name; for schemes that never rename, `to` is the new active file, as winston-daily-rotate-file
 *   reports `(oldFilename, newFilename)`).
 * - `archive`: this writer finished compressing a rotated file into `filename` (`.gz`).
 * - `removed`: retention removed `filename` (by this writer).
 * - `closed`: this writer closed its descriptor of `filename`.
 */
export type FileEvent =
  | { type: 'open'; filename: string }
  | { type: 'new'; filename: string }
  | { type: 'rotate'; from: string; to: string }
  | { type: 'archive'; filename: string }
  | { type: 'removed'; filename: string }
  | { type: 'closed'; filename: string };

/** Receives {@link FileEvent}s; must not throw (an exception is reported and ignored). */
export type FileEventListener = (event: FileEvent) => void;
