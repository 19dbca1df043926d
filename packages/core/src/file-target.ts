import { constants } from 'node:fs';
import * as path from 'node:path';
import { blockFor } from './block-for.js';
import { errnoCode } from './errors.js';
import { type FileDriver, type FileInfo, NETWORK_FS_TYPES, nodeFileDriver } from './file-driver.js';
import { PIPE_BUF } from './record-framing.js';
import type { RotationPolicy } from './rotation/rotation-policy.js';
import { SizeRotation, type SizeRotationOptions } from './rotation/size-rotation.js';
import { TimeRotation, type TimeRotationOptions } from './rotation/time-rotation.js';

/**
 * Where records go and how each write is kept whole. The batch writer calls `prepare` before
 * every batch and `writeAll` with whole records (or one framed chunk) that must not be split.
 */
export interface Sink {
  /** Largest write the target keeps whole: `Infinity` for a regular file, PIPE_BUF for pipes. */
  readonly atomicLimit: number;
  /** Open if needed, notice renames and deletions; may throw an errno error. */
  prepare(nextBytes: number): void;
  /** Writes `data` with one `write(2)`; loops only on short writes and EAGAIN. */
  writeAll(data: Uint8Array): void;
  /**
   * Writes `parts` back to back as `writeAll` writes one buffer (one `writev(2)`), without
   * joining them first. Optional; only called for a target whose atomicLimit is Infinity.
   */
  writeParts?(parts: Uint8Array[]): void;
  /** Called once a write succeeded; the rotation policy hooks in here. */
  written?(bytes: number): void;
  close(): void;
  /** Waits, at most `deadlineMs`, for background work (compression of rotated files). */
  settle?(deadlineMs: number): Promise<boolean>;
  readonly counters: { retries: number; reopenings: number; rotations: number };
  /**
   * Called before a drain writes anything: 0 to go ahead, or how many ms to wait before trying
   * again (a lock held by another process). `force` (exit, a blocking caller) must return 0.
   */
  begin?(force: boolean): number;
  /** Called after a drain that `begin` let through. */
  end?(): void;
  /** Lock counters, for sinks that write under a lock. */
  lockStats?(): LockStats;
}

/** Counters of a sink that writes under a file lock. */
export interface LockStats {
  /** Locks taken. */
  acquired: number;
  /** Drains that found the lock held and waited. */
  busy: number;
  /** Stale locks (their holder died) taken over. */
  takeovers: number;
  /** Locks found compromised (removed or taken by another process while held). */
  compromised: number;
  /** Exit flushes that wrote without the lock after the exit budget ran out. */
  exitBypasses: number;
}

/** Options of {@link FileTarget}. */
export interface FileTargetOptions {
  filename?: string;
  /** Write to this descriptor instead of a path; it is never closed or reopened. */
  fd?: number;
  /** @default 0o666 (less the umask), as `fs.createWriteStream` */
  mode?: number;
  /** Create missing parent directories. @default true */
  mkdir?: boolean;
  /**
   * How often, at most, the path is checked to still name the open file (a `stat` before a
   * batch). After a rename or delete is noticed, no record goes into the old file.
   * @default 100
   */
  reopenCheckMs?: number;
  /** Chunk size for pipes, FIFOs, sockets and terminals. @default 4096 (PIPE_BUF) */
  chunkBytes?: number;
  /** How long a write may keep failing with EAGAIN before its records are dropped. @default 2000 */
  eagainTimeoutMs?: number;
  driver?: FileDriver;
  /** Size rotation across processes; off when absent. */
  rotation?: SizeRotationOptions;
  /** Time rotation across processes; off when absent. */
  timeRotation?: TimeRotationOptions;
  /** Told once about conditions that are not errors, such as a network file system. */
  onWarning?: (message: string) => void;
}

const NEWLINE = Buffer.from('\n');
const IOV_MAX = 1024;
const TORN_QUIET_MS = 250;
const APPEND_FLAGS = constants.O_APPEND | constants.O_CREAT | constants.O_WRONLY;
// Readable too, for regular files: the last byte tells whether a killed writer left a line
// unfinished. A FIFO keeps O_WRONLY (O_RDWR would change when its reader sees end-of-file).
const APPEND_READ_FLAGS = constants.O_APPEND | constants.O_CREAT | constants.O_RDWR;

/**
 * A file, FIFO or descriptor opened for appending. Opens with O_APPEND | O_CREAT and the given
 * mode (creating parent directories), finds the target's kind with `fstat` to pick the atomic
 * write limit, warns once on a network file system, and reopens when the path no longer names
 * the open file (renamed or deleted by logrotate or another process).
 */
export class FileTarget implements Sink {
  readonly counters = { retries: 0, reopenings: 0, rotations: 0 };
  readonly filename: string | undefined;
  readonly driver: FileDriver;
  /** The rotation policy, when size or time rotation is on. */
  readonly rotation: RotationPolicy | undefined;
  #fd = -1;
  #recovered = false;
  #newlineFirst = false;
  /** Unfinished lines found at the end of the file (left by a killed writer) and closed. */
  tornTails = 0;
  #warnedFs = false;
  #ownsFd: boolean;
  #opened: FileInfo | undefined;
  #atomicLimit = Number.POSITIVE_INFINITY;
  #lastCheck = 0;
  readonly #opts: FileTargetOptions;

  constructor(options: FileTargetOptions) {
    this.#opts = options;
    this.driver = options.driver ?? nodeFileDriver;
    this.filename = options.filename === undefined ? undefined : path.resolve(options.filename);
    this.#ownsFd = options.fd === undefined;
    this.rotation = this.filename ? policyFor(this.filename, this.driver, options) : undefined;
    if (options.fd !== undefined) this.#adopt(options.fd);
  }

  get atomicLimit(): number {
    return this.#atomicLimit;
  }

  /** The open descriptor, or -1. */
  get fd(): number {
    return this.#fd;
  }

  /** Opens now (instead of at the first write); throws the errno error if it cannot. */
  open(): void {
    if (this.#fd >= 0) return;
    const file = this.#activePath();
    if (this.#opts.mkdir !== false) this.driver.mkdirp(path.dirname(file));
    const fd = this.#openFlagsFor(file);
    this.#adopt(fd);
    if (this.#opened?.kind === 'file') this.#checkTail(this.#opened);
    if (this.rotation?.opened) this.rotation.opened(this.#opened as FileInfo);
    if (!this.#recovered) {
      this.#recovered = true;
      this.rotation?.recover();
    }
    this.#lastCheck = Date.now();
    const type = this.driver.fsType(file);
    const fsName = type === undefined ? undefined : NETWORK_FS_TYPES.get(type);
    if (fsName && !this.#warnedFs) {
      this.#warnedFs = true;
      this.#opts.onWarning?.(
        `${file} is on ${fsName}: O_APPEND does not keep writes of several clients whole there; use @fanin/locked-file`,
      );
    }
  }

  #adopt(fd: number): void {
    const st = this.driver.fstat(fd);
    if (st.kind === 'directory') {
      if (this.#ownsFd) this.driver.close(fd);
      throw Object.assign(new Error(`EISDIR: ${this.filename ?? `fd ${fd}`} is a directory`), {
        code: 'EISDIR',
      });
    }
    this.#fd = fd;
    this.#opened = st;
    this.#atomicLimit =
      st.kind === 'file' ? Number.POSITIVE_INFINITY : (this.#opts.chunkBytes ?? PIPE_BUF);
  }

  /** The path that names the open file (it moves on under winston's rotation naming). */
  #activePath(): string {
    return this.rotation?.activePath() ?? (this.filename as string);
  }

  prepare(nextBytes: number): void {
    if (this.#fd < 0) this.open();
    if (!this.#ownsFd || this.#opened?.kind !== 'file') return;
    if (this.rotation && this.#rotateIfFull(nextBytes)) return;
    const now = Date.now();
    if (now - this.#lastCheck < (this.#opts.reopenCheckMs ?? 100)) return;
    this.#lastCheck = now;
    this.reopenIfMoved();
  }

  // One fstat of the open descriptor per batch: deleted under us (nlink 0, say by another
  // process's retention) → reopen; full → rotate, or reopen what another process rotated to.
  #openFlagsFor(file: string): number {
    const mode = this.#opts.mode ?? 0o666;
    const kind = this.driver.stat(file)?.kind;
    if (kind !== undefined && kind !== 'file') return this.driver.open(file, APPEND_FLAGS, mode);
    try {
      return this.driver.open(file, APPEND_READ_FLAGS, mode);
    } catch (err) {
      // An existing write-only log file (mode 0o222): append without the tail check.
      if (errnoCode(err) !== 'EACCES' || kind !== 'file') throw err;
      return this.driver.open(file, APPEND_FLAGS, mode);
    }
  }

  // A writer killed by SIGKILL in the middle of a write larger than a page can leave a fragment
  // with no newline (Linux checks for fatal signals between pages in generic_perform_write); a
  // record appended after it would share its line. When this process opens a file whose last
  // byte is not a newline and which nobody has written to for TORN_QUIET_MS, its first write
  // starts with one. A fresh mtime means a write may be in flight (i_size grows page by page, so
  // its size can end mid-record): no newline then, which would only add a stray empty line.
  #checkTail(info: FileInfo): void {
    if (info.size === 0 || Date.now() - info.mtimeMs < TORN_QUIET_MS) return;
    if (this.driver.readByte(this.#fd, info.size - 1) !== 0x0a) this.#newlineFirst = true;
  }

  // The file this writer reopens (another process rotated first) may itself be full by now:
  // check again, a few times at most, so a batch never lands on a file it does not fit.
  #rotateIfFull(nextBytes: number): boolean {
    const rotation = this.rotation as RotationPolicy;
    let reopened = false;
    for (let round = 0; round < 4; round++) {
      const st = this.driver.fstat(this.#fd);
      if (st.nlink === 0) {
        reopened = this.#reopen(true);
        continue;
      }
      if (!rotation.due(st, nextBytes)) return reopened;
      if (rotation.rotate(st, nextBytes) === undefined) return reopened;
      this.counters.rotations = rotation.counters.rotations;
      reopened = this.#reopen(false);
    }
    return reopened;
  }

  #reopen(counted: boolean): boolean {
    this.#closeFd();
    this.open();
    this.#lastCheck = Date.now();
    if (counted) this.counters.reopenings++;
    return true;
  }

  /** Reopens when the path is gone or names another file; returns whether it did. */
  reopenIfMoved(): boolean {
    if (this.#fd < 0 || !this.#ownsFd || !this.filename) return false;
    const now = this.driver.stat(this.#activePath());
    if (now && now.ino === this.#opened?.ino && now.dev === this.#opened.dev) return false;
    this.#closeFd();
    this.open();
    this.counters.reopenings++;
    return true;
  }

  /** Size of the open file, from `fstat` of the descriptor (cheap: no path lookup). */
  openSize(): number {
    return this.#fd < 0 ? 0 : this.driver.fstat(this.#fd).size;
  }

  writeAll(data: Uint8Array): void {
    this.writeParts([data]);
  }

  writeParts(parts: Uint8Array[]): void {
    if (this.#newlineFirst) {
      this.#newlineFirst = false;
      this.tornTails++;
      parts = [NEWLINE, ...parts];
    }
    // Without writev in the driver, the parts are joined: never one write(2) per part, which
    // would let another process's append land between them.
    // Past IOV_MAX (1024 on Linux) writev fails with EINVAL: join those too.
    if (parts.length > 1 && (!this.driver.writev || parts.length > IOV_MAX)) {
      parts = [Buffer.concat(parts)];
    }
    let rest = parts;
    let at = 0;
    let left = parts.reduce((n, p) => n + p.byteLength, 0);
    let waitedMs = 0;
    let waitMs = 1;
    while (left > 0) {
      try {
        const n =
          rest.length === 1
            ? this.driver.write(this.#fd, rest[0] as Uint8Array)
            : (this.driver.writev as (fd: number, parts: Uint8Array[]) => number)(this.#fd, rest);
        // A short write: write(2) may write less than asked (signal, quota, ENOSPC on the way).
        if (n < left) {
          this.counters.retries++;
          rest = after(rest, n);
        }
        at += n;
        left -= n;
      } catch (err) {
        const code = errnoCode(err);
        if (code === 'EINTR') {
          this.counters.retries++;
          continue;
        }
        if (code !== 'EAGAIN' || waitedMs >= (this.#opts.eagainTimeoutMs ?? 2000)) {
          throw Object.assign(err as Error, { bytesWritten: at });
        }
        // A non-blocking pipe is full (the reader is slow): wait for it, bounded, with back-off.
        this.counters.retries++;
        blockFor(waitMs);
        waitedMs += waitMs;
        waitMs = Math.min(waitMs * 2, 100);
      }
    }
  }

  #closeFd(): void {
    const fd = this.#fd;
    this.#fd = -1;
    if (fd >= 0 && this.#ownsFd) {
      try {
        this.driver.close(fd);
      } catch {
        // close(2) after a failed write reports the same error again; the write was counted.
      }
    }
  }

  close(): void {
    this.#closeFd();
  }

  /** Waits, at most `deadlineMs`, for the rotation policy's compressions (see rotation/). */
  settle(deadlineMs: number): Promise<boolean> {
    return this.rotation?.settle(deadlineMs) ?? Promise.resolve(true);
  }
}

// The parts left after the first `n` bytes of `parts` were written.
function after(parts: Uint8Array[], n: number): Uint8Array[] {
  let i = 0;
  while (i < parts.length && n >= (parts[i] as Uint8Array).byteLength) {
    n -= (parts[i] as Uint8Array).byteLength;
    i++;
  }
  const rest = parts.slice(i);
  if (n > 0) rest[0] = (rest[0] as Uint8Array).subarray(n);
  return rest;
}

function policyFor(
  file: string,
  driver: FileDriver,
  o: FileTargetOptions,
): RotationPolicy | undefined {
  const common = { mode: o.mode, quietMs: Math.max(1000, 5 * (o.reopenCheckMs ?? 100)) };
  if (o.rotation) return new SizeRotation(file, driver, { ...common, ...o.rotation });
  if (o.timeRotation) return new TimeRotation(file, driver, { ...common, ...o.timeRotation });
  return undefined;
}
