import type { WriterAccount } from '../account/writer-account.js';
import { writeFramed } from './batch-encoding.js';
import { isLocking, type Sink } from './sink.js';

/**
 * Appends the account's loss notice to the log when one is pending and due (`now`: whatever
 * the interval, as after a recovery). A notice is a write like any other: whole on a regular
 * file, framed past a pipe's atomic limit, and (for a locking sink) under the caller's lock. A
 * failed notice stays pending and is tried again at the next drain; its losses were reported.
 *
 * @example
 * writeNotice(sink, account, true);
 */
export function writeNotice(sink: Sink, account: WriterAccount, now: boolean): void {
  const text = account.noticeDue(now);
  if (text === undefined) return;
  try {
    const data = Buffer.from(text);
    sink.prepare(data.byteLength);
    let sent = data.byteLength;
    if (sent <= sink.atomicLimit) sink.writeAll(data);
    else sent = writeFramed(sink, data);
    account.counters.bytes += sent;
    account.noticeWritten();
  } catch {
    account.counters.writeErrors++;
  }
}

/**
 * One attempt to write the pending notice, taking the sink's lock if it has one (without
 * waiting: at close, at exit). If the lock is busy the losses stay counted and reported.
 */
export function writeNoticeOnce(sink: Sink, account: WriterAccount): void {
  const lock = isLocking(sink) ? sink : undefined;
  try {
    if ((lock?.begin(false) ?? 0) !== 0) return;
  } catch {
    return;
  }
  try {
    writeNotice(sink, account, true);
  } finally {
    lock?.end();
  }
}

/**
 * At exit, after close: the notice of records dropped as `closed` meanwhile. The target is
 * opened again for it (one attempt), then closed.
 */
export function writeNoticeAfterClose(sink: Sink, account: WriterAccount): void {
  if (account.noticeDue(true) === undefined) return;
  writeNoticeOnce(sink, account);
  sink.close();
}
