import * as fs from 'node:fs';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { errnoCode } from '../contract/errors.js';
import { type EmitFileEvent, noFileEvents } from '../contract/file-event-emitter.js';
import type { FileDriver } from '../system/file-driver.js';
import { processAlive } from '../system/process-alive.js';
import { within } from '../system/within.js';
import { abortController, gzipRange } from './gzip-file.js';
import { markOpenFile, REMOVAL_GRACE_MS, unmarkOpenFile } from './removal-mark.js';
import type { ExclusiveLock } from './rotation-lock.js';
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

// How long a compression that found the rotation lock busy waits before it tries again.
const LOCK_RETRY_MS = 20;

class LockBusy extends Error {}

/** The archive's inode, 'grown', 'busy' (the lock), or undefined when the file is gone. */
type Installed = number | 'grown' | 'busy' | undefined;

/**
 * Compresses rotated files as soon as they are rotated, one at a time, without blocking writers:
 * it gzips the rotated file through a descriptor into a temporary `.<log>.<ino>.<pid>.gz.tmp`
 * (appending one more gzip member for whatever a writer that had not yet noticed the rotation
 * appended meanwhile), flushes it to disk, marks the file for removal and waits out the grace
 * (removal-mark.ts: a writer that sees the mark reopens instead of writing there), and then
 * under the rotation lock, if the file did not grow, renames the temporary to the file's current
 * name (a later rotation may have shifted it) plus `.gz` and removes the file. A batch that lands
 * after that is its writer's to write again (it looks, being that late). A `.gz` is therefore
 * always whole. A process killed mid-way leaves only a temporary and the intact rotated file: the
 * next writer to open the log deletes the temporary and compresses the file again. Reads and
 * writes data through `node:fs` streams.
 */
export class Compressor {
  readonly #names: RotationNames;
  readonly #driver: FileDriver;
  readonly #lock: ExclusiveLock;
  readonly #locate: Locate;
  readonly #o: CompressorOptions;
  readonly #queue: number[] = [];
  #running: Promise<void> | undefined;
  // Compressions waiting out the grace before their install: beside the queue, not in it (each
  // waits REMOVAL_GRACE_MS: in the queue they would hold up every compression after them).
  readonly #finishing = new Set<Promise<void>>();
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

  /** Resolves when the queue is empty and every compression is installed or given up. */
  async idle(): Promise<void> {
    while (this.#running || this.#finishing.size > 0) {
      await Promise.all([this.#running, ...this.#finishing]);
    }
  }

  /**
   * Waits for the queue to empty, at most `deadlineMs`; then abandons what is left: the
   * compression in progress is aborted and its temporary removed, queued files stay
   * uncompressed (the next writer to open the log compresses them). Resolves to whether all
   * was done.
   */
  async settle(deadlineMs: number): Promise<boolean> {
    if (!this.#running && this.#finishing.size === 0) return true;
    if (await within(this.idle(), deadlineMs)) return true;
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
      if (t.pid !== process.pid && processAlive(t.pid)) busy.add(t.ino);
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

  // Gzips the file, marks it for removal and hands it to #finish, beside the queue.
  async #compress(ino: number, signal: AbortSignal): Promise<void> {
    const fd = this.#openByIno(ino);
    if (fd === undefined) return;
    const tmp = this.#names.compressTemp(ino);
    let handedOver = false;
    try {
      const done = await this.#gzipNew(fd, tmp, -1, signal);
      const mode = markOpenFile(fd);
      const job: Promise<void> = this.#finish(ino, fd, tmp, { done, mode }, signal)
        .catch((err) => {
          if (!signal.aborted) this.#o.onError?.(err as Error);
        })
        .finally(() => {
          fs.closeSync(fd);
          this.#finishing.delete(job);
        });
      this.#finishing.add(job);
      handedOver = true;
    } catch (err) {
      this.#tryUnlink(tmp);
      throw err;
    } finally {
      if (!handedOver) fs.closeSync(fd);
    }
  }

  // After the grace (removal-mark.ts), installs the archive, first adding what writers appended
  // meanwhile. `mode` is the file's mode before the mark (null: not marked, no grace), restored
  // if the file stays (abandoned at a deadline, or failed).
  async #finish(
    ino: number,
    fd: number,
    tmp: string,
    at: { done: number; mode: number | null },
    signal: AbortSignal,
  ): Promise<void> {
    let installed: Installed;
    try {
      if (at.mode !== null) await delay(REMOVAL_GRACE_MS, undefined, { signal });
      let done = at.done;
      for (;;) {
        done = await this.#gzipNew(fd, tmp, done, signal);
        installed = this.#install(ino, tmp, fd, done);
        if (installed === 'busy') await delay(LOCK_RETRY_MS, undefined, { signal });
        else if (installed !== 'grown') return;
      }
    } catch (err) {
      this.#tryUnlink(tmp);
      throw err;
    } finally {
      if (at.mode !== null && typeof installed !== 'number') unmarkOpenFile(fd, at.mode);
    }
  }

  // Adds to the temporary what the file holds past `done` bytes (the whole file when -1), as
  // one more gzip member each time; returns the size compressed.
  async #gzipNew(fd: number, tmp: string, done: number, signal: AbortSignal): Promise<number> {
    for (;;) {
      signal.throwIfAborted();
      const size = fs.fstatSync(fd).size;
      if (size <= done) return done;
      const mode = this.#o.mode ?? 0o666;
      await gzipRange(fd, Math.max(done, 0), size, tmp, { append: done >= 0, mode, signal });
      done = size;
    }
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
