import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LockStats } from '@fanin/core';
import {
  deliverPendingSignals,
  type ExclusiveLock,
  errnoCode,
  retryFor,
} from '@fanin/core/internal';
import lockfile from 'proper-lockfile';

// proper-lockfile calls signal-exit v3's onExit() when it is loaded (lib/lockfile.js, top level),
// which adds a SIGTERM/SIGINT/SIGHUP listener at once. With a listener, a signal is no longer
// fatal on arrival: libuv catches it and Node delivers it at the loop's next poll. An app that
// logs a burst, signals itself and has nothing else to do leaves the loop without that poll, so
// it exited with status 0 and the signal was never acted on (#19). Core's beforeExit turn
// delivers it (then signal-exit, or fanin's signal flush, re-raises it and the process dies of it).
deliverPendingSignals();

/** Options of {@link FileLock}. */
export interface FileLockOptions {
  /** A lock not refreshed for this long (its holder died) is taken over. proper-lockfile's floor is 2000. */
  staleMs: number;
  /** How long `acquire()` (rotation, compression) waits for the lock. */
  waitMs: number;
}

/**
 * proper-lockfile's mkdir lock (`<log>.lock`), taken with `lockSync` — one attempt, no retry
 * timers, so a caller never stalls on its retry defaults. Reentrant within this process, so a
 * rotation runs under the lock the drain already holds. Its `onCompromised` default throws inside
 * a timer and would crash the app: here it is counted instead.
 */
export class FileLock implements ExclusiveLock {
  readonly stats: LockStats = {
    acquired: 0,
    busy: 0,
    takeovers: 0,
    compromised: 0,
    exitBypasses: 0,
  };
  readonly file: string;
  readonly #o: FileLockOptions;
  #release: (() => void) | undefined;
  #depth = 0;
  #acquiring = false;
  // proper-lockfile removes a stale lock (rmdir) inside lockSync, silently: an rmdir while
  // acquiring is a takeover, counted from proper-lockfile's own decision.
  readonly #fs = {
    ...fs,
    rmdirSync: (p: fs.PathLike) => {
      fs.rmdirSync(p);
      if (this.#acquiring) this.stats.takeovers++;
    },
  };

  constructor(file: string, options: FileLockOptions) {
    this.file = file;
    this.#o = options;
  }

  /** Whether this process holds the lock now. */
  get held(): boolean {
    return this.#depth > 0;
  }

  /** One attempt; false when another process holds the lock. */
  tryAcquire(): boolean {
    if (this.#depth > 0) {
      this.#depth++;
      return true;
    }
    try {
      this.#lockOnce();
    } catch (err) {
      if (errnoCode(err) === 'ELOCKED') return false;
      if (errnoCode(err) !== 'ENOENT') throw err;
      // The log's directory is not there (yet, or any more): make it, as the file target would.
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      try {
        this.#lockOnce();
      } catch (again) {
        if (errnoCode(again) === 'ELOCKED') return false;
        throw again;
      }
    }
    this.stats.acquired++;
    this.#depth = 1;
    return true;
  }

  #lockOnce(): void {
    this.#acquiring = true;
    try {
      this.#release = lockfile.lockSync(this.file, {
        stale: this.#o.staleMs,
        realpath: false,
        fs: this.#fs,
        onCompromised: () => this.#compromised(),
      });
    } finally {
      this.#acquiring = false;
    }
  }

  // proper-lockfile's refresh timer found the lock taken or removed (only possible while held
  // past staleMs): count it once and stop claiming the lock.
  #compromised(): void {
    this.stats.compromised++;
    this.#depth = 0;
    this.#release = undefined;
  }

  /** Attempts for at most `waitMs` (1 ms back-off doubling to 20 ms). */
  acquire(waitMs = this.#o.waitMs): boolean {
    return retryFor(waitMs, () => this.tryAcquire());
  }

  release(): void {
    if (this.#depth === 0) return;
    if (--this.#depth > 0) return;
    const release = this.#release;
    this.#release = undefined;
    try {
      release?.();
    } catch {
      // ERELEASED / ENOTACQUIRED: another process removed or took our lock while we held it.
      this.stats.compromised++;
    }
  }
}
