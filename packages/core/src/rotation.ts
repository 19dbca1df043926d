import { constants } from 'node:fs';
import * as path from 'node:path';
import { Compressor } from './compressor.js';
import { errnoCode } from './errors.js';
import type { FileDriver, FileInfo } from './file-driver.js';
import { RotationLock } from './rotation-lock.js';
import { RotationNames, type RotationNaming } from './rotation-naming.js';

/** Options of {@link SizeRotation}, in fanin's own names. */
export interface SizeRotationOptions {
  /** Rotate before a write would take the file past this many bytes. */
  maxBytes: number;
  /** Rotated files kept (the active file not counted); `undefined` keeps all. */
  backups?: number;
  /** gzip rotated files in the background (`.gz` appended). @default false */
  compress?: boolean;
  /** @default 'log4js' */
  naming?: RotationNaming;
  /** log4js `keepFileExt`: `app.1.log` rather than `app.log.1`. @default false */
  keepFileExt?: boolean;
  /** log4js `fileNameSep`. @default '.' */
  fileNameSep?: string;
  /** A rotation lock older than this is taken over. @default 10000 */
  lockStaleMs?: number;
  /** How long a writer waits for another process's rotation before writing on. @default 1000 */
  lockWaitMs?: number;
  /**
   * A rotated file is compressed once no write reached it for this long: writers that have not
   * yet noticed the rotation may still append to it until their next path check.
   * @default 1000
   */
  quietMs?: number;
  /** File mode of files created by a rotation. @default 0o666 */
  mode?: number;
  onError?: (err: Error) => void;
  /** The lock that serializes rotations; a locked-file writer passes its own. @default RotationLock */
  lock?: ExclusiveLock;
}

/** What a file target asks of a rotation policy (by size or by time). */
export interface RotationPolicy {
  /** The path writers append to now. */
  activePath(): string;
  /** Told after each open, with the `fstat` of the new descriptor. */
  opened?(info: FileInfo): void;
  /** Whether the open file must rotate before a batch of `nextBytes`. Cheap: no path lookup. */
  due(open: FileInfo, nextBytes: number): boolean;
  /** Rotates (if no other process did) and returns the path to open, or `undefined` to go on. */
  rotate(open: FileInfo, nextBytes: number): string | undefined;
  /** At first open: finish what a dead process left half done. */
  recover(): void;
  /** Resolves once background work (compression) is done. */
  idle(): Promise<void>;
  readonly counters: { rotations: number; lockTimeouts: number };
}

/** What a rotation needs of a lock: a bounded synchronous attempt, and release. */
export interface ExclusiveLock {
  /** Takes the lock, waiting a bounded time; false when it could not. */
  acquire(): boolean;
  release(): void;
}

/** Flags a rotation creates the next active file with. */
export const CREATE = constants.O_CREAT | constants.O_WRONLY | constants.O_APPEND;

/** Whether `a` is the file `b` describes (device and inode). */
export const same = (a: FileInfo | undefined, b: FileInfo) =>
  !!a && a.ino === b.ino && a.dev === b.dev;

/** Removes `p`; a file already gone (another process's retention) is not an error. */
export function unlinkIfPresent(driver: FileDriver, p: string): void {
  try {
    driver.unlink(p);
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
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

/**
 * Size rotation that is safe across processes with no lock per write. Each writer `fstat`s its
 * open file before a batch; only when the batch would take it past `maxBytes` does it take the
 * short rotation lock, check under the lock that the path still names the file it has open (so
 * that exactly one process rotates), rename or move on, and reopen. The others see, under the
 * same lock, that the path names a new file and just reopen it.
 */
export class SizeRotation implements RotationPolicy {
  readonly maxBytes: number;
  readonly names: RotationNames;
  readonly lock: ExclusiveLock;
  /** Rotations this process performed, and times it gave up waiting for the lock. */
  readonly counters = { rotations: 0, lockTimeouts: 0 };
  readonly #driver: FileDriver;
  readonly #o: SizeRotationOptions;
  readonly #compressor: Compressor | undefined;
  #current = -1;

  constructor(base: string, driver: FileDriver, options: SizeRotationOptions) {
    this.maxBytes = options.maxBytes;
    this.names = new RotationNames(
      base,
      options.naming ?? 'log4js',
      options.keepFileExt,
      options.fileNameSep,
    );
    this.#driver = driver;
    this.#o = options;
    this.lock = rotationLockFor(base, driver, options);
    this.#compressor = options.compress
      ? new Compressor(this.names, driver, this.lock, (ino) => this.#locate(ino), options)
      : undefined;
  }

  get #incrementing(): boolean {
    return this.names.naming === 'winston';
  }

  /** The path writers append to now. */
  activePath(): string {
    if (!this.#incrementing) return this.names.base;
    return this.names.slot(this.#refreshCurrent());
  }

  // Other processes move the active number on, and retention deletes old numbers: start from
  // the highest number in the directory when ours is gone (numbers above a deleted one need not
  // follow on from it), then follow newer ones.
  #refreshCurrent(): number {
    if (this.#current < 0 || !this.#exists(this.names.slot(this.#current + 1))) {
      // No next number beside ours: the newest may still be further up, past numbers that
      // retention deleted; the directory tells.
      this.#current = Math.max(this.#current, this.#highestNumber());
    }
    this.#current = this.#newest(this.#current);
    return this.#current;
  }

  /** Whether a batch of `nextBytes` no longer fits in the open file. */
  due(open: FileInfo, nextBytes: number): boolean {
    return open.size > 0 && open.size + nextBytes > this.maxBytes;
  }

  /**
   * The open file is full: rotate it (if no other process did) and return the path to open, or
   * `undefined` to keep writing to the open file (the lock was busy past `lockWaitMs`).
   */
  rotate(open: FileInfo, nextBytes: number): string | undefined {
    if (!this.lock.acquire()) {
      this.counters.lockTimeouts++;
      return undefined;
    }
    try {
      return this.#incrementing ? this.#moveOn(open, nextBytes) : this.#shift(open, nextBytes);
    } finally {
      this.lock.release();
    }
  }

  /** At first open: finish or clean up compressions that a dead process left half done. */
  recover(): void {
    this.#compressor?.recover(this.#pendingBackups());
  }

  /** Resolves once queued compressions are done (for tests and shutdown). */
  idle(): Promise<void> {
    return this.#compressor?.idle() ?? Promise.resolve();
  }

  // log4js / winston-tailable: shift backups up by one, then rename the active file to slot 1.
  #shift(open: FileInfo, nextBytes: number): string {
    const base = this.names.base;
    const cur = this.#driver.stat(base);
    if (!same(cur, open) || !this.due(cur as FileInfo, nextBytes)) return base;
    const keep = this.#o.backups;
    const top = keep ?? this.#highestSlot();
    for (let i = top; i >= 1; i--) {
      for (const gz of ['', '.gz']) {
        const from = this.names.slot(i) + gz;
        if (!this.#driver.stat(from)) continue;
        if (keep !== undefined && i >= keep) unlinkIfPresent(this.#driver, from);
        else this.#driver.rename(from, this.names.slot(i + 1) + gz);
      }
    }
    this.#driver.rename(base, this.names.slot(1));
    this.counters.rotations++;
    if (keep === 0) unlinkIfPresent(this.#driver, this.names.slot(1));
    else this.#compressor?.add(open.ino);
    return base;
  }

  // winston: the active file is the newest number; a rotation creates the next one.
  #moveOn(open: FileInfo, nextBytes: number): string {
    const m = this.#refreshCurrent();
    const cur = this.#driver.stat(this.names.slot(m));
    if (!same(cur, open) || !this.due(cur as FileInfo, nextBytes)) return this.names.slot(m);
    const next = m + 1;
    // Created under the lock, so a writer that comes next sees it and does not rotate again.
    this.#driver.close(this.#driver.open(this.names.slot(next), CREATE, this.#o.mode ?? 0o666));
    this.#current = next;
    this.counters.rotations++;
    const keep = this.#o.backups;
    // Every number below the kept ones goes, not just the one that just fell out: a number that a
    // slow writer left behind would otherwise stay for good.
    if (keep !== undefined) {
      for (const name of this.#driver.readdir(this.names.dir)) {
        const n = this.names.numberOf(name);
        if (n >= 0 && n < next - keep)
          unlinkIfPresent(this.#driver, path.join(this.names.dir, name));
      }
    }
    if (keep !== 0) this.#compressor?.add(open.ino);
    else unlinkIfPresent(this.#driver, this.names.slot(m));
    return this.names.slot(next);
  }

  // The newest existing file number at or above `from` (winston naming).
  #newest(from: number): number {
    let m = from;
    while (this.#exists(this.names.slot(m + 1))) m++;
    return m;
  }

  #highestNumber(): number {
    let max = 0;
    for (const name of this.#driver.readdir(this.names.dir)) {
      max = Math.max(max, this.names.numberOf(name));
    }
    return max;
  }

  #highestSlot(): number {
    let i = 0;
    while (this.#exists(this.names.slot(i + 1))) i++;
    return i;
  }

  #exists(p: string): boolean {
    return !!this.#driver.stat(p) || !!this.#driver.stat(`${p}.gz`);
  }

  // Where the rotated file with inode `ino` is now (uncompressed), if it still exists.
  #locate(ino: number): string | undefined {
    for (const p of this.#rotatedPaths()) if (this.#driver.stat(p)?.ino === ino) return p;
    return undefined;
  }

  #rotatedPaths(): string[] {
    const out: string[] = [];
    if (this.#incrementing) {
      const active = this.#refreshCurrent();
      for (const name of this.#driver.readdir(this.names.dir)) {
        const n = this.names.numberOf(name);
        if (n >= 0 && n < active && !name.endsWith('.gz'))
          out.push(path.join(this.names.dir, name));
      }
      return out;
    }
    for (let i = 1; this.#exists(this.names.slot(i)); i++) out.push(this.names.slot(i));
    return out;
  }

  #pendingBackups(): number[] {
    const inos: number[] = [];
    for (const p of this.#rotatedPaths()) {
      const st = this.#driver.stat(p);
      if (st) inos.push(st.ino);
    }
    return inos;
  }
}
