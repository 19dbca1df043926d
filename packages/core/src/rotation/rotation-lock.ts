import { constants } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { threadId } from 'node:worker_threads';
import { errnoCode } from '../contract/errors.js';
import { retryFor } from '../system/block-for.js';
import type { FileDriver, FileInfo } from '../system/file-driver.js';
import { processAlive } from '../system/process-alive.js';

/** Options of {@link RotationLock}. */
export interface RotationLockOptions {
  /** A lock older than this whose owner cannot be checked is taken over. @default 10000 */
  staleMs: number;
  /** How long to wait for another process's rotation before writing on. @default 1000 */
  waitMs: number;
}

/** What a rotation needs of a lock: a bounded synchronous attempt, and release. */
export interface ExclusiveLock {
  /** Takes the lock, waiting a bounded time; false when it could not. */
  acquire(): boolean;
  release(): void;
  /** At first open: removes what a process killed while taking the lock left behind. */
  recover?(): void;
}

const EXCL = constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY;
const EMPTY_GRACE_MS = 50;
const host = os.hostname();

/**
 * The short lock held only around a rotation (a few renames), never around a write: a file
 * `<log>.fanin-lock` created with O_EXCL holding `<pid> <host>`. A lock whose owner is dead (same
 * host) or that is older than `staleMs` is taken over and the takeover counted.
 */
export class RotationLock implements ExclusiveLock {
  readonly path: string;
  takeovers = 0;
  readonly #driver: FileDriver;
  readonly #o: RotationLockOptions;
  readonly #token = `${process.pid} ${host}`;

  constructor(logPath: string, driver: FileDriver, options: RotationLockOptions) {
    this.path = `${logPath}.fanin-lock`;
    this.#driver = driver;
    this.#o = options;
  }

  /** Takes the lock, waiting at most `waitMs`; returns false when it could not. */
  acquire(): boolean {
    return retryFor(this.#o.waitMs, () => {
      // A stale lock taken over: try again at once.
      for (;;) {
        if (this.#tryCreate()) return true;
        if (!this.#takeOverIfStale()) return false;
      }
    });
  }

  /**
   * Removes lock temporaries (`<lock>.<host>.<pid>.<thread>`) of processes on this host that are
   * gone: one killed between writing its temporary and removing it; and old takeover markers.
   */
  recover(): void {
    const dir = path.dirname(this.path);
    const prefix = `${path.basename(this.path)}.${host}.`;
    for (const name of this.#driver.readdir(dir)) {
      if (!name.startsWith(prefix)) continue;
      const pid = Number(name.slice(prefix.length).split('.')[0]);
      if (pid > 0 && pid !== process.pid && !processAlive(pid)) {
        try {
          this.#driver.unlink(path.join(dir, name));
        } catch {
          // Another writer removed it first.
        }
      }
    }
    this.#sweepMarkers();
  }

  release(): void {
    try {
      if (this.#driver.readText(this.path) === this.#token) this.#driver.unlink(this.path);
    } catch {
      // Already gone (taken over as stale): nothing to release.
    }
  }

  // The lock appears with its owner in it: written to a temporary first, then linked to the
  // lock's name (link(2) fails with EEXIST like O_EXCL). Created empty and written after, a lock
  // was seen empty for 50–78 ms by other processes on a loaded machine, taken over as abandoned,
  // and two processes rotated at once (one lost a batch, another overwrote a file).
  #tryCreate(): boolean {
    if (!this.#driver.link) return this.#createThenWrite();
    const tmp = `${this.path}.${host}.${process.pid}.${threadId}`;
    this.#write(tmp, constants.O_CREAT | constants.O_TRUNC | constants.O_WRONLY);
    try {
      this.#driver.link(tmp, this.path);
      return true;
    } catch (err) {
      if (errnoCode(err) === 'EEXIST') return false;
      throw err;
    } finally {
      this.#driver.unlink(tmp);
    }
  }

  // Without link(2) in the driver: O_EXCL, then the owner (empty in between).
  #createThenWrite(): boolean {
    try {
      this.#write(this.path, EXCL);
      return true;
    } catch (err) {
      if (errnoCode(err) === 'EEXIST') return false;
      throw err;
    }
  }

  #write(p: string, flags: number): void {
    const fd = this.#driver.open(p, flags, 0o644);
    try {
      this.#driver.write(fd, Buffer.from(this.#token));
    } finally {
      this.#driver.close(fd);
    }
  }

  // A crash between O_EXCL create and the write leaves an empty lock: judge it by age alone.
  #takeOverIfStale(): boolean {
    const st = this.#driver.stat(this.path);
    const text = this.#driver.readText(this.path);
    // Released meanwhile: try again at once.
    if (!st || text === undefined) return true;
    const [pid, owner] = text.split(' ');
    const deadOwner = owner === host && Number(pid) > 0 && !processAlive(Number(pid));
    // An empty lock: its creator died between the O_EXCL create and the write of its name
    // (microseconds apart), so a short grace is enough.
    const age = Date.now() - st.mtimeMs;
    const abandoned = text === '' && age > EMPTY_GRACE_MS;
    if (!deadOwner && !abandoned && age < this.#o.staleMs) return false;
    return this.#breakLock(st, text);
  }

  // Exactly one taker removes a given stale lock (fanin #14 rotation note a). Reading it again
  // and then unlinking by name left a window: two takers both judged it stale, one removed it and
  // made its own, the other then unlinked that new lock, and both held the lock. unlink(2) cannot
  // be made conditional, so the takers first race for a marker named after this lock instance
  // (inode and mtime) with O_EXCL; the one that makes it removes the lock only if the path still
  // names that instance (inode, mtime and the content judged: a new lock names a live owner),
  // then drops the marker; the others return false and wait as for a held lock. A taker that
  // makes the same marker later finds another instance at the path and leaves it. The marker of
  // a taker killed in between is swept once older than `staleMs`.
  #breakLock(st: FileInfo, text: string): boolean {
    const marker = `${this.path}${BROKEN}${st.ino}.${Math.round(st.mtimeMs * 1000)}`;
    try {
      this.#driver.close(this.#driver.open(marker, EXCL, 0o644));
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
      const made = this.#driver.stat(marker);
      if (made && Date.now() - made.mtimeMs > this.#o.staleMs) unlinkQuietly(this.#driver, marker);
      return false;
    }
    try {
      const now = this.#driver.stat(this.path);
      const same = now?.ino === st.ino && now.dev === st.dev && now.mtimeMs === st.mtimeMs;
      if (same && this.#driver.readText(this.path) === text) {
        unlinkQuietly(this.#driver, this.path);
        this.takeovers++;
      }
    } finally {
      unlinkQuietly(this.#driver, marker);
    }
    return true;
  }

  // Markers older than `staleMs`: left by a taker killed between its marker and the unlink.
  #sweepMarkers(): void {
    const dir = path.dirname(this.path);
    const prefix = `${path.basename(this.path)}${BROKEN}`;
    for (const name of this.#driver.readdir(dir)) {
      if (!name.startsWith(prefix)) continue;
      const p = path.join(dir, name);
      const st = this.#driver.stat(p);
      if (st && Date.now() - st.mtimeMs > this.#o.staleMs) unlinkQuietly(this.#driver, p);
    }
  }
}

const BROKEN = '.broken.';

function unlinkQuietly(driver: FileDriver, p: string): void {
  try {
    driver.unlink(p);
  } catch {
    // Gone already: its owner released it, or another process swept it.
  }
}

/** The lock a rotation policy runs under: the given one, else a RotationLock beside the log. */
export function rotationLockFor(
  base: string,
  driver: FileDriver,
  o: { lock?: ExclusiveLock; lockStaleMs?: number; lockWaitMs?: number },
): ExclusiveLock {
  return (
    o.lock ??
    new RotationLock(base, driver, {
      staleMs: o.lockStaleMs ?? 10_000,
      waitMs: o.lockWaitMs ?? 1000,
    })
  );
}
