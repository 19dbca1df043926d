import * as path from 'node:path';
import { PIPE_BUF } from '../framing/record-framing.js';
import type { RotationPolicy } from '../rotation/rotation-policy.js';
import {
  type FileDriver,
  type FileInfo,
  NETWORK_FS_TYPES,
  nodeFileDriver,
} from '../system/file-driver.js';
import { appendAll } from './file-append.js';
import { openForAppend, symlinkRefused } from './file-open.js';
import { type FileTargetOptions, policyFor } from './file-target-options.js';
import type { Sink, SinkCounters } from './sink.js';

const NEWLINE = Buffer.from('\n');
// Looks at a growing tail (about 2 µs each): enough for a 1 MiB write in flight to end here.
const TAIL_LOOKS = 256;

/**
 * A file, FIFO or descriptor opened for appending. Opens with O_APPEND | O_CREAT and the given
 * mode (creating parent directories), finds the target's kind with `fstat` to pick the atomic
 * write limit, warns once on a network file system, and reopens when the path no longer names
 * the open file (renamed or deleted by logrotate or another process).
 *
 * It alone owns the newline-after-a-tear rule: a write to a regular file starts with a newline
 * whenever the file does not end with one (a fragment left by a failed write of this process,
 * or by a killed writer of another), so no record is glued onto a fragment.
 *
 * @example
 * const target = new FileTarget({ filename: 'logs/app.log' });
 * target.prepare(3); target.writeAll(Buffer.from('hi\n')); target.close();
 */
export class FileTarget implements Sink {
  readonly counters: Required<SinkCounters> = {
    retries: 0,
    reopenings: 0,
    rotations: 0,
    reopenFailures: 0,
  };
  readonly filename: string | undefined;
  readonly driver: FileDriver;
  /** The rotation policy, when size or time rotation is on. */
  readonly rotation: RotationPolicy | undefined;
  /** Writes that began with a newline because the file ended mid-line (a torn fragment). */
  tornTails = 0;
  #fd = -1;
  #recovered = false;
  // The next write starts with a newline: set when the file is seen to end mid-line, or when a
  // write of this process failed part-way; cleared only once a newline has really landed.
  #newlineFirst = false;
  #warnedFs = false;
  readonly #ownsFd: boolean;
  #opened: FileInfo | undefined;
  // Whether the path was a symlink when the log was first opened (undefined: not opened yet).
  #followLinks: boolean | undefined;
  #atomicLimit = Number.POSITIVE_INFINITY;
  // False once the last byte could not be read (a write-only log file): no pread per batch then.
  #tailReadable = true;
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

  get opened(): boolean {
    return this.#fd >= 0;
  }

  /** The open descriptor, or -1. */
  get fd(): number {
    return this.#fd;
  }

  /**
   * Opens now (instead of at the first write); throws the errno error if it cannot. After the
   * first open, a symlink at the path is followed only if the path was one then (O_NOFOLLOW
   * otherwise: a link swapped in by someone else is refused with ELOOP, not followed).
   */
  open(): void {
    if (this.#fd >= 0) return;
    const file = this.#activePath();
    if (this.#opts.mkdir !== false) this.driver.mkdirp(path.dirname(file));
    const first = this.#followLinks === undefined;
    if (first) this.#followLinks = this.driver.isSymlink?.(file) ?? false;
    this.#adopt(this.#openFile(file, first));
    if (this.rotation?.opened) this.rotation.opened(this.#opened as FileInfo);
    if (!this.#recovered) {
      this.#recovered = true;
      this.rotation?.recover();
    }
    this.#lastCheck = Date.now();
    this.#warnNetworkFs(file);
  }

  #openFile(file: string, first: boolean): number {
    const mode = this.#opts.mode ?? 0o666;
    try {
      return openForAppend(this.driver, file, mode, !first && this.#followLinks !== true);
    } catch (err) {
      if (first) throw err;
      this.counters.reopenFailures++;
      if ((err as { code?: string }).code === 'ELOOP') throw symlinkRefused(file, err);
      throw Object.assign(err as Error, { reopenFailed: true });
    }
  }

  #warnNetworkFs(file: string): void {
    const type = this.driver.fsType(file);
    const fsName = type === undefined ? undefined : NETWORK_FS_TYPES.get(type);
    if (!fsName || this.#warnedFs) return;
    this.#warnedFs = true;
    this.#opts.onWarning?.(
      `${file} is on ${fsName}: O_APPEND does not keep writes of several clients whole there; use @fanin/locked-file`,
    );
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

  // The tail check comes first: settle() may wait for another process's write, and the last
  // look before this write must be the rotation's (a file rotated and deleted meanwhile would
  // take the batch with it). A file reopened by that look gets its own tail check, unsettled.
  prepare(nextBytes: number): void {
    if (this.#fd < 0) this.open();
    if (this.#opened?.kind !== 'file' || !this.#ownsFd) return;
    if (this.#tailReadable) this.#checkTail(true);
    if (this.#checkMoved(nextBytes) && this.#tailReadable) this.#checkTail(false);
  }

  #checkMoved(nextBytes: number): boolean {
    if (this.rotation && this.#rotateIfFull(nextBytes)) return true;
    const now = Date.now();
    if (now - this.#lastCheck < (this.#opts.reopenCheckMs ?? 100)) return false;
    this.#lastCheck = now;
    return this.reopenIfMoved();
  }

  // Before every batch: does the file end with a newline? A writer killed by SIGKILL in the
  // middle of a write larger than a page leaves a fragment with no newline (Linux checks for
  // fatal signals between pages in generic_perform_write), as does a write cut short by ENOSPC.
  // A write of another process in flight grows i_size page by page (fstat does not take the
  // inode lock), so its tail may be mid-record: settle() first waits for it (a zero-length
  // write takes the inode lock), then fstat gives the size and one pread the last byte. Where
  // settle() does not wait (XFS), a tail that keeps growing is looked at again: a fragment does
  // not grow. What is left: a write that starts between this check and this process's write and
  // is cut by a kill; the next record then shares its line (measured in the README).
  #checkTail(settle: boolean): void {
    if (settle) this.driver.settle?.(this.#fd);
    let size = this.driver.fstat(this.#fd).size;
    if (size === 0) return;
    let last = this.driver.readByte(this.#fd, size - 1);
    for (let look = 0; last !== undefined && last !== 0x0a && look < TAIL_LOOKS; look++) {
      const now = this.driver.fstat(this.#fd).size;
      if (now === size) break;
      size = now;
      last = this.driver.readByte(this.#fd, size - 1);
    }
    // Unreadable (a write-only file): keep what this process knows of its own writes.
    if (last === undefined) this.#tailReadable = false;
    else this.#newlineFirst = last !== 0x0a;
  }

  // One fstat of the open descriptor per batch: deleted under us (nlink 0, say by another
  // process's retention) → reopen; full → rotate, or reopen what another process rotated to.
  // The file this writer reopens may itself be full by now: check again, a few times at most.
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
    return this.#reopen(true);
  }

  /** Size of the open file, from `fstat` of the descriptor (cheap: no path lookup). */
  openSize(): number {
    return this.#fd < 0 ? 0 : this.driver.fstat(this.#fd).size;
  }

  writeAll(data: Uint8Array): void {
    this.writeParts([data]);
  }

  writeParts(parts: Uint8Array[]): void {
    const lead = this.#newlineFirst && this.#atomicLimit === Number.POSITIVE_INFINITY;
    const to = {
      ...{ driver: this.driver, fd: this.#fd, counters: this.counters },
      eagainTimeoutMs: this.#opts.eagainTimeoutMs ?? 2000,
    };
    try {
      appendAll(to, lead ? [NEWLINE, ...parts] : parts);
    } catch (err) {
      const landed = (err as { bytesWritten?: number }).bytesWritten ?? 0;
      if (lead && landed > 0) this.#tailMended();
      const own = Math.max(0, landed - (lead ? 1 : 0));
      // Part of a record with no newline is in a regular file now: end its line first.
      if (own > 0 && this.#atomicLimit === Number.POSITIVE_INFINITY) this.#newlineFirst = true;
      throw Object.assign(err as Error, { bytesWritten: own });
    }
    if (lead) this.#tailMended();
  }

  #tailMended(): void {
    this.#newlineFirst = false;
    this.tornTails++;
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
