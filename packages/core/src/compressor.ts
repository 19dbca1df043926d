import * as fs from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';
import { errnoCode } from './errors.js';
import type { FileDriver } from './file-driver.js';
import type { ExclusiveLock } from './rotation.js';
import { alive } from './rotation-lock.js';
import type { RotationNames } from './rotation-naming.js';

/**
 * Compresses rotated files in the background, one at a time, without blocking writers: it gzips
 * into a temporary `.<log>.<ino>.<pid>.gz.tmp`, then under the rotation lock finds where the
 * rotated file is now (a later rotation may have shifted it), renames the temporary to that
 * name plus `.gz` and removes the original. A process killed mid-way leaves only a temporary and
 * the intact original: the next writer to open the log deletes the temporary and starts again.
 * Reads and writes data through `node:fs` streams (it needs a real file system).
 */
export class Compressor {
  readonly #names: RotationNames;
  readonly #driver: FileDriver;
  readonly #lock: ExclusiveLock;
  readonly #locate: (ino: number) => string | undefined;
  readonly #o: { mode?: number; quietMs?: number; onError?: (err: Error) => void };
  readonly #queue: number[] = [];
  #running: Promise<void> | undefined;

  constructor(
    names: RotationNames,
    driver: FileDriver,
    lock: ExclusiveLock,
    locate: (ino: number) => string | undefined,
    options: { mode?: number; quietMs?: number; onError?: (err: Error) => void },
  ) {
    this.#names = names;
    this.#driver = driver;
    this.#lock = lock;
    this.#locate = locate;
    this.#o = options;
  }

  /** Queues the rotated file with inode `ino`. */
  add(ino: number): void {
    if (!this.#queue.includes(ino)) this.#queue.push(ino);
    this.#running ??= this.#drain().finally(() => {
      this.#running = undefined;
    });
  }

  /** Resolves when the queue is empty. */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
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
      try {
        await this.#compress(ino);
      } catch (err) {
        this.#o.onError?.(err as Error);
      }
    }
  }

  async #compress(ino: number): Promise<void> {
    const fd = this.#openByIno(ino);
    if (fd === undefined) return;
    const tmp = this.#names.compressTemp(ino);
    let size: number;
    try {
      size = await this.#settled(fd);
      await pipeline(
        fs.createReadStream('', { fd, autoClose: false, start: 0 }),
        zlib.createGzip(),
        fs.createWriteStream(tmp, { mode: this.#o.mode ?? 0o666 }),
      );
      // A writer that had not yet noticed the rotation appended meanwhile: start again.
      if (fs.fstatSync(fd).size !== size) {
        this.#tryUnlink(tmp);
        this.add(ino);
        return;
      }
      // Still holding the descriptor: the inode cannot be freed and its number reused by
      // another file, so locating by inode number below finds this file or nothing.
      this.#install(ino, tmp);
    } catch (err) {
      this.#tryUnlink(tmp);
      throw err;
    } finally {
      fs.closeSync(fd);
    }
  }

  // Writers notice a rotation at their next batch, or within their reopenCheckMs: wait until
  // the rotated file has been quiet for `quietMs` before compressing it. Returns its size.
  async #settled(fd: number): Promise<number> {
    const quiet = this.#o.quietMs ?? 1000;
    for (;;) {
      const st = fs.fstatSync(fd);
      const idle = Date.now() - st.mtimeMs;
      if (idle >= quiet) return st.size;
      await new Promise((r) => setTimeout(r, quiet - idle + 10));
    }
  }

  // Opens the rotated file by path, then checks the descriptor's inode: a rotation between the
  // look-up and the open would otherwise hand us a different file.
  #openByIno(ino: number): number | undefined {
    for (let tries = 0; tries < 3; tries++) {
      const p = this.#locate(ino);
      if (!p) return undefined;
      let fd: number;
      try {
        fd = fs.openSync(p, 'r');
      } catch (err) {
        if (errnoCode(err) === 'ENOENT') continue;
        throw err;
      }
      if (fs.fstatSync(fd).ino === ino) return fd;
      fs.closeSync(fd);
    }
    return undefined;
  }

  #install(ino: number, tmp: string): void {
    if (!this.#lock.acquire()) {
      this.#tryUnlink(tmp);
      this.add(ino);
      return;
    }
    try {
      const p = this.#locate(ino);
      if (!p) {
        this.#tryUnlink(tmp);
        return;
      }
      // Never replace an archive: if one exists for this slot, keep the original and report.
      if (this.#driver.stat(`${p}.gz`)) {
        this.#tryUnlink(tmp);
        throw new Error(`${p}.gz exists already; ${p} left uncompressed`);
      }
      this.#driver.rename(tmp, `${p}.gz`);
      this.#tryUnlink(p);
    } finally {
      this.#lock.release();
    }
  }

  #tryUnlink(p: string): void {
    try {
      this.#driver.unlink(p);
    } catch {
      // Gone already: what we wanted.
    }
  }
}
