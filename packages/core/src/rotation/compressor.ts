import * as fs from 'node:fs';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { errnoCode } from '../contract/errors.js';
import { type EmitFileEvent, noFileEvents } from '../contract/file-event-emitter.js';
import type { FileDriver } from '../system/file-driver.js';
import { abortController, copyFile, gzipRange } from './gzip-file.js';
import { alive, type ExclusiveLock } from './rotation-lock.js';
import type { RotationNames } from './rotation-naming.js';

/** Where the rotated file with inode `ino` is now (its `.gz` when `gz`), if it exists. */
export type Locate = (ino: number, gz: boolean) => string | undefined;

/** Options of {@link Compressor}. */
export interface CompressorOptions {
  /** Mode of the archives. @default 0o666 */
  mode?: number;
  /** Told of a compression that failed; the rotated file stays, uncompressed. */
  onError?: (err: Error) => void;
}

// How long after the rotated file is removed the compressor still looks for a late batch on the
// descriptor it holds. Writers fstat their descriptor before every batch and reopen when nlink
// is 0, so only a batch between that fstat and its write(2) can still land there: microseconds,
// or a descheduled process on a loaded machine. Not unref'd: the wait is part of a compression
// under way, as its file I/O is, and close() awaits it within its deadline.
const LATE_WRITE_MS = 200;
// How long a compression that found the rotation lock busy waits before it tries again.
const LOCK_RETRY_MS = 20;

class LockBusy extends Error {}

/** The archive's inode, 'grown', 'busy' (the lock), or undefined when the file is gone. */
type Installed = number | 'grown' | 'busy' | undefined;

/**
 * Compresses rotated files as soon as they are rotated, one at a time, without blocking writers:
 * it gzips the rotated file through a descriptor into a temporary `.<log>.<ino>.<pid>.gz.tmp`
 * (appending one more gzip member for whatever a writer that had not yet noticed the rotation
 * appended meanwhile), flushes it to disk, and then under the rotation lock, if the file did not
 * grow, renames the temporary to the file's current name (a later rotation may have shifted
 * it) plus `.gz` and removes the file. It keeps the descriptor a moment longer: a batch that was
 * in flight then lands in the removed file, is found there and added to the archive (by copy and
 * rename, never in place). A `.gz` is therefore always whole. A process killed mid-way leaves
 * only a temporary and the intact rotated file: the next writer to open the log deletes the
 * temporary and compresses the file again. Reads and writes data through `node:fs` streams.
 */
export class Compressor {
  readonly #names: RotationNames;
  readonly #driver: FileDriver;
  readonly #lock: ExclusiveLock;
  readonly #locate: Locate;
  readonly #o: CompressorOptions;
  readonly #queue: number[] = [];
  #running: Promise<void> | undefined;
  // Late-batch checks of installed archives: they run beside the queue, not in it.
  readonly #late = new Set<Promise<void>>();
  #abort = abortController();
  #emit: EmitFileEvent = noFileEvents;

  constructor(
    names: RotationNames,
    driver: FileDriver,
    lock: ExclusiveLock,
    locate: Locate,
    options: CompressorOptions,
  ) {
    this.#names = names;
    this.#driver = driver;
    this.#lock = lock;
    this.#locate = locate;
    this.#o = options;
  }

  /** Where an `archive` event goes once an archive is installed. */
  listen(emit: EmitFileEvent): void {
    this.#emit = emit;
  }

  /** Queues the rotated file with inode `ino`; work starts at once. */
  add(ino: number): void {
    if (!this.#queue.includes(ino)) this.#queue.push(ino);
    this.#running ??= this.#drain().finally(() => {
      this.#running = undefined;
    });
  }

  /** Resolves when the queue is empty and every late-batch check is done. */
  async idle(): Promise<void> {
    while (this.#running || this.#late.size > 0) await Promise.all([this.#running, ...this.#late]);
  }

  /**
   * Waits for the queue to empty, at most `deadlineMs`; then abandons what is left: the
   * compression in progress is aborted and its temporary removed, queued files stay
   * uncompressed (the next writer to open the log compresses them). Resolves to whether all
   * was done.
   */
  async settle(deadlineMs: number): Promise<boolean> {
    if (!this.#running && this.#late.size === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    // Ref'd: the caller awaits it (close), as a flush's wait is.
    const late = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), Math.max(0, deadlineMs));
    });
    const done = await Promise.race([this.idle().then(() => true as const), late]);
    clearTimeout(timer);
    if (done) return true;
    this.#queue.length = 0;
    this.#abort.abort();
    await this.idle();
    this.#abort = abortController();
    return false;
  }

  /**
   * Deletes temporaries of dead processes and queues the rotated files (`inos`) that no live
   * process is compressing.
   */
  recover(inos: number[]): void {
    const busy = new Set<number>();
    for (const name of this.#driver.readdir(this.#names.dir)) {
      const t = this.#names.parseTemp(name);
      if (!t) continue;
      if (t.pid !== process.pid && alive(t.pid)) busy.add(t.ino);
      else this.#tryUnlink(path.join(this.#names.dir, name));
    }
    for (const ino of inos) if (!busy.has(ino)) this.add(ino);
  }

  async #drain(): Promise<void> {
    for (let ino = this.#queue.shift(); ino !== undefined; ino = this.#queue.shift()) {
      const signal = this.#abort.signal;
      try {
        await this.#compress(ino, signal);
      } catch (err) {
        // Another process holds the lock past lockWaitMs: try again after the rest of the queue,
        // and not before a moment has passed (lockWaitMs may be 0).
        if (err instanceof LockBusy && !signal.aborted) {
          this.#queue.push(ino);
          await delay(LOCK_RETRY_MS, undefined, { signal }).catch(() => undefined);
        } else if (!signal.aborted) this.#o.onError?.(err as Error);
      }
    }
  }

  async #compress(ino: number, signal: AbortSignal): Promise<void> {
    const fd = this.#openByIno(ino);
    if (fd === undefined) return;
    const tmp = this.#names.compressTemp(ino);
    const gzip = (from: number, to: number, out: string, append: boolean) =>
      gzipRange(fd, from, to, out, { append, mode: this.#o.mode ?? 0o666, signal });
    let handedOver = false;
    try {
      let done = -1;
      for (;;) {
        signal.throwIfAborted();
        // A writer that had not yet noticed the rotation appended: compress what it added.
        const size = fs.fstatSync(fd).size;
        if (size > done) {
          await gzip(Math.max(done, 0), size, tmp, done >= 0);
          done = size;
          continue;
        }
        const installed = this.#install(ino, tmp, fd, done);
        if (installed === 'busy') await delay(LOCK_RETRY_MS, undefined, { signal });
        if (installed === 'busy' || installed === 'grown') continue;
        if (installed !== undefined) {
          this.#watchLate(() => this.#catchLate(fd, done, installed, gzip, signal), fd, signal);
          handedOver = true;
        }
        return;
      }
    } catch (err) {
      this.#tryUnlink(tmp);
      throw err;
    } finally {
      if (!handedOver) fs.closeSync(fd);
    }
  }

  // Runs a late-batch check beside the queue (each waits LATE_WRITE_MS: in the queue they would
  // hold up every compression after them); it closes the descriptor when done.
  #watchLate(check: () => Promise<void>, fd: number, signal: AbortSignal): void {
    const watch: Promise<void> = check()
      .catch((err) => {
        if (!signal.aborted) this.#o.onError?.(err as Error);
      })
      .finally(() => {
        fs.closeSync(fd);
        this.#late.delete(watch);
      });
    this.#late.add(watch);
  }

  // Under the lock, if the file still has `size` bytes: the temporary becomes `<name>.gz` and the
  // file goes. Returns the archive's inode, 'grown', 'busy' (the lock), or undefined when the
  // file is gone (deleted by retention meanwhile).
  #install(ino: number, tmp: string, fd: number, size: number): Installed {
    if (!this.#lock.acquire()) return 'busy';
    let installed: string | undefined;
    try {
      // Still holding the descriptor: the inode cannot be freed and its number reused by
      // another file, so locating by inode number finds this file or nothing.
      if (fs.fstatSync(fd).size !== size) return 'grown';
      const p = this.#locate(ino, false);
      if (!p) {
        this.#tryUnlink(tmp);
        return undefined;
      }
      const archive = this.#driver.stat(tmp)?.ino;
      // A `.gz` already there can only be this file's, left by a process killed between this
      // rename and the unlink below: the temporary holds all of the file, so it replaces it.
      this.#driver.rename(tmp, `${p}.gz`);
      installed = `${p}.gz`;
      this.#tryUnlink(p);
      return archive;
    } finally {
      this.#lock.release();
      if (installed) this.#emit({ type: 'archive', filename: installed });
    }
  }

  // A batch in flight when the file was removed lands in it still: add it to the archive as one
  // more member, through a copy renamed over the archive (an archive is never left half-written).
  async #catchLate(
    fd: number,
    done: number,
    archive: number,
    gzip: (from: number, to: number, out: string, append: boolean) => Promise<void>,
    signal: AbortSignal,
  ): Promise<void> {
    try {
      await delay(LATE_WRITE_MS, undefined, { signal });
    } catch {
      return; // abandoned at a deadline: nothing more can be done in time
    }
    const size = fs.fstatSync(fd).size;
    const gz = size > done ? this.#locate(archive, true) : undefined;
    if (!gz) return;
    const tmp = this.#names.compressTemp(archive);
    try {
      await copyFile(gz, tmp, signal);
      await gzip(done, size, tmp, true);
      if (!this.#lock.acquire()) throw new Error(`${gz}: late records not added (lock busy)`);
      try {
        const now = this.#locate(archive, true);
        if (now) this.#driver.rename(tmp, now);
      } finally {
        this.#lock.release();
      }
    } finally {
      this.#tryUnlink(tmp);
    }
  }

  // Opens the rotated file by path, then checks the descriptor's inode: a rotation between the
  // look-up and the open would otherwise hand us a different file, and under shifting names a
  // file can move past the look-up. The last try is made under the lock, where nothing moves:
  // undefined then means the file is gone (retention). Throws 'busy' when the lock was.
  #openByIno(ino: number): number | undefined {
    for (let tries = 0; tries < 3; tries++) {
      const fd = this.#tryOpen(ino);
      if (fd !== undefined && fd >= 0) return fd;
    }
    if (!this.#lock.acquire()) throw new LockBusy();
    try {
      const fd = this.#tryOpen(ino);
      return fd !== undefined && fd >= 0 ? fd : undefined;
    } finally {
      this.#lock.release();
    }
  }

  // The open descriptor, -1 when the file moved meanwhile, undefined when it was not found.
  #tryOpen(ino: number): number | undefined {
    const p = this.#locate(ino, false);
    if (!p) return undefined;
    let fd: number;
    try {
      fd = fs.openSync(p, 'r');
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return -1;
      throw err;
    }
    if (fs.fstatSync(fd).ino === ino) return fd;
    fs.closeSync(fd);
    return -1;
  }

  #tryUnlink(p: string): void {
    try {
      this.#driver.unlink(p);
    } catch {
      // Gone already: what we wanted.
    }
  }
}
