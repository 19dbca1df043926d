import { isMainThread } from 'node:worker_threads';
import type { FileDriver } from './file-driver.js';

/**
 * A path that opens the pipe or FIFO behind an inherited descriptor `fd` anew, or `undefined`
 * when `fd` is something else or cannot be reopened so.
 *
 * Why: a descriptor handed to fanin (`fd: 1`, or `/dev/stdout` piped into another process) is
 * blocking unless someone set O_NONBLOCK on it, and setting it on the shared open file
 * description would change it for every process sharing it (the shell, the reader's siblings).
 * Measured (fanin #14 item 7): stdout piped into a `cat` stopped with SIGSTOP froze the app in
 * `anon_pipe_write` as soon as the pipe's 64 KiB were full; no timer ran until `cat` went on.
 * On Linux, open(2) of `/proc/self/fd/N` for a pipe opens the same pipe, anonymous or named,
 * with a new open file description (proc(5): "for file descriptors for pipes and sockets … open
 * the file"; sockets fail with ENXIO), which the file target then opens non-blocking like any
 * FIFO (`eagainTimeoutMs` applies). Off the main thread the FIFO stays blocking (async-queue's
 * writer thread waits for its reader on purpose), so there the descriptor is kept.
 *
 * @example
 * const filename = pipePath(nodeFileDriver, 1); // '/proc/self/fd/1' when stdout is a pipe
 */
export function pipePath(driver: FileDriver, fd: number): string | undefined {
  if (!isMainThread || process.platform !== 'linux') return undefined;
  let kind: string;
  try {
    kind = driver.fstat(fd).kind;
  } catch {
    return undefined;
  }
  if (kind !== 'fifo') return undefined;
  const p = `/proc/self/fd/${fd}`;
  return driver.stat(p)?.kind === 'fifo' ? p : undefined;
}
