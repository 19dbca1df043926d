import * as path from 'node:path';
import { type EmitFileEvent, noFileEvents } from '../contract/file-event-emitter.js';
import type { FileDriver, FileInfo } from '../system/file-driver.js';
import { Compressor } from './compressor.js';
import { DelayedRemovals, graceOver, isMarked, markedMode } from './removal-mark.js';
import { type ExclusiveLock, rotationLockFor } from './rotation-lock.js';
import type { RotationNames } from './rotation-naming.js';
import {
  type CommonRotationOptions,
  type RotationPolicy,
  unlinkIfPresent,
} from './rotation-policy.js';

/** What the open file is, seen under the lock: the path naming it now, and whether it rotates. */
export interface Current {
  /** The path to (re)open when this process does not rotate. */
  path: string;
  /** The path still names the open file and it is still due: this process rotates. */
  rotate: boolean;
}

/** What one rotation did: the path to open next, and the inodes of the files it rotated. */
export interface Acted {
  path: string;
  rotated: number[];
}

/**
 * The rotation protocol, written once for size and time: a writer whose open file is due takes
 * the short rotation lock; under it, checks that the path still names the file it has open (else
 * another process rotated first, and it only reopens); acts (renames or creates); applies
 * retention; releases; and queues the rotated files for compression. Size and time rotation are
 * the policies that fill in when a file is due, what a rotation renames, and which files are kept.
 *
 * The process that rotates also tells what it did (`new`, `rotate`, `removed`; `archive` comes
 * from the compressor), so that exactly one process reports each act. (winston-daily-rotate-file's
 * symlink and audit file are time rotation's: time-rotation.ts.)
 *
 * Every step works from the names present (one `readdir`), never from a range of numbers up to
 * `backups`: a rotation costs O(files that exist) (fanin #14 item 4: probing every number up to
 * backups = 100000 cost 1.8 M failing `statx` and 54.8 s for 67 rotations, under the lock).
 */
export abstract class RotationTemplate implements RotationPolicy {
  /** Rotations this process performed, and times it gave up waiting for the lock. */
  readonly counters = { rotations: 0, lockTimeouts: 0 };
  readonly lock: ExclusiveLock;
  protected readonly driver: FileDriver;
  readonly #compressor: Compressor | undefined;
  readonly #dir: string;
  readonly #onError: ((err: Error) => void) | undefined;
  #emit: EmitFileEvent = noFileEvents;
  // The errno of the last failure to make the rotation lock, until it works again.
  #lockError: string | undefined;
  // Rotations given up since the lock was last got (0: no outage under way).
  #busySince = 0;
  // What retention removed in the rotation under way: told once the lock is released.
  #removed: string[] = [];
  // Files retention marked, removed once their grace is over (removal-mark.ts).
  readonly #removals = new DelayedRemovals();

  protected constructor(
    base: string,
    driver: FileDriver,
    options: CommonRotationOptions,
    compressNames: RotationNames,
  ) {
    this.driver = driver;
    this.lock = rotationLockFor(base, driver, options);
    this.#dir = compressNames.dir;
    this.#compressor = options.compress
      ? new Compressor(compressNames, driver, this.lock, (ino, gz) => this.#locate(ino, gz), {
          ...options,
          onError: (e) => options.onError?.(compressionFailed(e)),
        })
      : undefined;
    this.#onError = options.onError;
  }

  /** Where the file events of this policy's acts go (see contract/file-events.ts). */
  listen(emit: EmitFileEvent): void {
    this.#emit = emit;
    this.#compressor?.listen(emit);
  }

  abstract activePath(): string;
  abstract due(open: FileInfo, nextBytes: number): boolean;
  /** Under the lock: what the path names now, and whether this process rotates. */
  protected abstract current(open: FileInfo, nextBytes: number): Current;
  /** Under the lock: rotates the open file (rename or create). */
  protected abstract act(open: FileInfo): Acted;
  /** Under the lock, after `act`: deletes what retention no longer keeps. */
  protected abstract retain(): void;
  /** Bare names of the rotated files present (`.gz` too), newest first, from `names`. */
  protected abstract rotatedNames(names: readonly string[]): string[];

  /**
   * The open file is due: rotate it (if no other process did) and return the path to open, or
   * `undefined` to keep writing to the open file (the lock was busy past `lockWaitMs`).
   */
  rotate(open: FileInfo, nextBytes: number, openPath?: string): string | undefined {
    const got = this.#lock(openPath);
    if (got !== true) {
      if (got === 'busy') this.#lockBusy(openPath);
      return undefined;
    }
    this.#lockFreeAgain(openPath);
    let acted: Acted;
    let from: string;
    let to: string;
    try {
      const now = this.current(open, nextBytes);
      if (!now.rotate) return now.path;
      from = openPath ?? now.path;
      acted = this.act(open);
      this.counters.rotations++;
      this.retain();
      to = this.#rotatedTo(open, from, acted.path);
    } finally {
      this.lock.release();
    }
    for (const ino of acted.rotated) this.#compressor?.add(ino);
    this.#emit({ type: 'new', filename: acted.path });
    this.#emit({ type: 'rotate', from, to });
    for (const filename of this.#removed.splice(0)) this.#emit({ type: 'removed', filename });
    return acted.path;
  }

  // Takes the rotation lock. When it cannot be made at all (EACCES, EROFS… in a directory this
  // user may not write: fanin #14 read-only-dir) the file is kept and grows past its limit: no
  // record is lost for a rotation that cannot happen. Reported once until the lock works again.
  #lock(openPath: string | undefined): true | 'busy' | 'failed' {
    try {
      const got = this.lock.acquire();
      this.#lockError = undefined;
      return got || 'busy';
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'UNKNOWN';
      if (this.#lockError !== code) {
        this.#lockError = code;
        const file = openPath ?? this.activePath();
        const why = `cannot rotate ${file}: the rotation lock cannot be made (${code}); writing on past the limit`;
        this.#onError?.(new Error(why, { cause: err }));
      }
      return 'failed';
    }
  }

  // The lock was held by another process past `lockWaitMs` (fanin #14 rotation note c): the
  // batch goes into the full file, which passes its limit. Counted (`stats().rotationLockTimeouts`)
  // and reported once when it starts; the summary comes with the next rotation that works.
  #lockBusy(openPath: string | undefined): void {
    this.counters.lockTimeouts++;
    if (this.#busySince++ > 0) return;
    const file = openPath ?? this.activePath();
    const why = `cannot rotate ${file}: the rotation lock was held past lockWaitMs; writing on past the limit`;
    this.#onError?.(new Error(why));
  }

  #lockFreeAgain(openPath: string | undefined): void {
    if (this.#busySince === 0) return;
    const n = this.#busySince;
    this.#busySince = 0;
    const file = openPath ?? this.activePath();
    const why = `rotating ${file} again: ${n} rotation(s) were given up (lock busy) and written past the limit`;
    this.#onError?.(new Error(why));
  }

  /**
   * Under the lock, in `retain`: removes `file` and tells it (if this process removed it). A
   * file writers may still have open (not a `.gz`) is first marked and removed once the grace
   * is over (removal-mark.ts), so that a batch a late writer puts there is written again by it.
   */
  protected removeFile(file: string): void {
    const st = file.endsWith('.gz') || !this.driver.chmod ? undefined : this.driver.stat(file);
    if (st && !(isMarked(st) && graceOver(st)) && this.#mark(file, st)) {
      this.#removals.add(
        () => this.#removeMarked(st.ino),
        (e) => this.#onError?.(e),
      );
      return;
    }
    if (unlinkIfPresent(this.driver, file)) this.#removed.push(file);
  }

  // Marks `file` (already marked: by another process, whose removal may not happen); false when
  // it cannot be (another user's file), which removes it at once.
  #mark(file: string, st: FileInfo): boolean {
    if (isMarked(st)) return true;
    try {
      (this.driver.chmod as (p: string, mode: number) => void)(file, markedMode(st));
      return true;
    } catch {
      return false;
    }
  }

  // The grace is over: under the lock, removes the marked file with inode `ino` wherever a later
  // rotation moved it (if it is still there). False when the lock is busy: tried again later.
  #removeMarked(ino: number): boolean {
    if (!this.lock.acquire()) return false;
    let removed: string | undefined;
    try {
      const p = this.#locate(ino, false);
      if (p && isMarked(this.driver.stat(p)) && unlinkIfPresent(this.driver, p)) removed = p;
    } finally {
      this.lock.release();
    }
    if (removed) this.#emit({ type: 'removed', filename: removed });
    return true;
  }

  // The open file's name after the rotation: its new name where the scheme renames it, else the
  // new active file (winston-daily-rotate-file's `rotate(oldFilename, newFilename)`). A look-up
  // only when someone listens.
  #rotatedTo(open: FileInfo, from: string, active: string): string {
    if (this.#emit === noFileEvents || this.driver.stat(from)?.ino === open.ino) return active;
    return this.#locate(open.ino, false) ?? active;
  }

  /**
   * At first open: remove what a dead process left (lock and compression temporaries), and
   * compress what it left uncompressed.
   */
  recover(): void {
    this.lock.recover?.();
    if (!this.#compressor) return;
    const inos: number[] = [];
    for (const name of this.rotatedNames(this.listDir())) {
      if (name.endsWith('.gz')) continue;
      const st = this.driver.stat(path.join(this.#dir, name));
      if (st) inos.push(st.ino);
    }
    this.#compressor.recover(inos);
  }

  /** Resolves once queued compressions and removals are done (for tests and shutdown). */
  async idle(): Promise<void> {
    await Promise.all([this.#compressor?.idle(), this.#removals.idle()]);
  }

  async settle(deadlineMs: number): Promise<boolean> {
    const done = await Promise.all([
      this.#compressor?.settle(deadlineMs) ?? true,
      this.#removals.settle(deadlineMs),
    ]);
    return done.every(Boolean);
  }

  /** The bare names in the log's directory: the one listing a step works from. */
  protected listDir(): string[] {
    return this.driver.readdir(this.#dir);
  }

  // Where the rotated file with inode `ino` is now (its archive when `gz`), if it exists: a later
  // rotation may have renamed it. Newest first, so the usual answer costs one or two `stat`s.
  #locate(ino: number, gz: boolean): string | undefined {
    for (const name of this.rotatedNames(this.listDir())) {
      if (name.endsWith('.gz') !== gz) continue;
      const p = path.join(this.#dir, name);
      if (this.driver.stat(p)?.ino === ino) return p;
    }
    return undefined;
  }
}

const compressionFailed = (err: Error) =>
  new Error(`compression failed: ${err.message}`, { cause: err });
