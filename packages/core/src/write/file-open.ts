import { constants } from 'node:fs';
import { isMainThread } from 'node:worker_threads';
import { errnoCode } from '../contract/errors.js';
import { type FileDriver, NETWORK_FS_TYPES } from '../system/file-driver.js';

const APPEND_FLAGS = constants.O_APPEND | constants.O_CREAT | constants.O_WRONLY;
// Readable too, for regular files: the last byte tells whether the file ends mid-line (a killed
// or failed writer's fragment) before each batch. A FIFO keeps O_WRONLY (O_RDWR would change
// when its reader sees end-of-file).
const APPEND_READ_FLAGS = constants.O_APPEND | constants.O_CREAT | constants.O_RDWR;
const FIFO_FLAGS = constants.O_WRONLY | constants.O_NONBLOCK;
const NOFOLLOW = constants.O_NOFOLLOW ?? 0;

/**
 * Opens `file` for appending. A regular file (or a new one) read-write for the tail check, a
 * write-only log file (EACCES) write-only; a FIFO non-blocking on the main thread (see
 * {@link openFifo}); anything else (a character device, a FIFO in a worker thread) write-only. `noFollow` adds O_NOFOLLOW: a symlink at `file` is then
 * refused with ELOOP (open(2)).
 *
 * @example
 * const fd = openForAppend(nodeFileDriver, '/var/log/app.log', 0o644, true);
 */
export function openForAppend(
  driver: FileDriver,
  file: string,
  mode: number,
  noFollow: boolean,
): number {
  const extra = noFollow ? NOFOLLOW : 0;
  const kind = driver.stat(file)?.kind;
  // Off the main thread (async-queue's writer thread) a FIFO stays blocking: that thread exists
  // to wait for a slow reader, and its records wait in the ring meanwhile.
  if (kind === 'fifo' && isMainThread) return openFifo(driver, file, extra);
  if (kind !== undefined && kind !== 'file') return driver.open(file, APPEND_FLAGS | extra, mode);
  try {
    return driver.open(file, APPEND_READ_FLAGS | extra, mode);
  } catch (err) {
    // An existing write-only log file (mode 0o222): append without the tail check.
    if (errnoCode(err) !== 'EACCES' || kind !== 'file') throw err;
    return driver.open(file, APPEND_FLAGS | extra, mode);
  }
}

/**
 * A FIFO is written non-blocking, so that a reader that stops reading costs at most
 * `eagainTimeoutMs` per write on the event loop instead of freezing it in `pipe_write`. A
 * non-blocking open for writing fails with ENXIO while no reader exists (fifo(7)): then the FIFO
 * is first opened blocking, which waits for a reader as `fs.createWriteStream` would, and opened
 * again non-blocking now that one exists; the blocking descriptor is closed.
 */
export function openFifo(driver: FileDriver, file: string, extra = 0): number {
  try {
    return driver.open(file, FIFO_FLAGS | extra, 0);
  } catch (err) {
    // A descriptor's pipe reopened through /proc (system/pipe-path.ts) whose reader is gone can
    // never get one again: waiting in a blocking open would freeze the app for good.
    if (errnoCode(err) !== 'ENXIO' || file.startsWith('/proc/self/fd/')) throw err;
  }
  const blocking = driver.open(file, constants.O_WRONLY | extra, 0);
  try {
    return driver.open(file, FIFO_FLAGS | extra, 0);
  } finally {
    driver.close(blocking);
  }
}

/**
 * Opens the log `file` for a file target: the first open's error goes to the caller as it is; a
 * later open's (a reopen) is counted in `counters.reopenFailures` and flagged `reopenFailed`,
 * and ELOOP (with `noFollow`: a symlink swapped in for the log) is refused with its reason.
 *
 * @example
 * const fd = openLog(nodeFileDriver, 'app.log', { mode: 0o644, first: true, noFollow: false }, counters);
 */
export function openLog(
  driver: FileDriver,
  file: string,
  how: { mode: number; first: boolean; noFollow: boolean },
  counters: { reopenFailures: number },
): number {
  try {
    return openForAppend(driver, file, how.mode, how.noFollow);
  } catch (err) {
    if (how.first) throw err;
    counters.reopenFailures++;
    if (errnoCode(err) === 'ELOOP') throw symlinkRefused(file, err);
    throw Object.assign(err as Error, { reopenFailed: true });
  }
}

/** The error for a log path (or descriptor) that names a directory. */
export function isADirectory(name: string): Error {
  return Object.assign(new Error(`EISDIR: ${name} is a directory`), { code: 'EISDIR' });
}

/** An error for a symlink swapped in for the log after it was opened (refused, not followed). */
export function symlinkRefused(file: string, cause: unknown): Error {
  const message = `ELOOP: ${file} is now a symlink, and was not one when the log was first opened: not followed`;
  return Object.assign(new Error(message, { cause }), { code: 'ELOOP', reopenFailed: true });
}

/** Warns through `onWarning` when `file` is on a network file system; returns whether it did. */
export function warnIfNetworkFs(
  driver: FileDriver,
  file: string,
  onWarning: ((message: string) => void) | undefined,
): boolean {
  const message = networkFsWarning(driver, file);
  if (message !== undefined) onWarning?.(message);
  return message !== undefined;
}

/** The warning for a log on a network file system (where O_APPEND is not atomic), if it is. */
export function networkFsWarning(driver: FileDriver, file: string): string | undefined {
  const type = driver.fsType(file);
  const fsName = type === undefined ? undefined : NETWORK_FS_TYPES.get(type);
  if (!fsName) return undefined;
  return `${file} is on ${fsName}: O_APPEND does not keep writes of several clients whole there; use @fanin/locked-file`;
}
