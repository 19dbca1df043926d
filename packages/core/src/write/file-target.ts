import * as path from 'node:path';
import { type EmitFileEvent, fileEventEmitter } from '../contract/file-event-emitter.js';
import { PIPE_BUF } from '../framing/record-framing.js';
import type { RotationPolicy } from '../rotation/rotation-policy.js';
import { type FileDriver, type FileInfo, nodeFileDriver } from '../system/file-driver.js';
import { appendAll } from './file-append.js';
import { networkFsWarning, openForAppend, symlinkRefused } from './file-open.js';
import { fileTail } from './file-tail.js';
import { type FileTargetOptions, policyFor } from './file-target-options.js';
import { appendWithinLimit, type LimitedFile, totalBytes } from './record-cut.js';
import type { Sink, SinkCounters } from './sink.js';

const NEWLINE = Buffer.from('\n');

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
  readonly #emit: EmitFileEvent;
  // The path the open descriptor was opened by (for the 'closed' event).
  #openPath = '';

  constructor(options: FileTargetOptions) {
    this.#opts = options;
    this.driver = options.driver ?? nodeFileDriver;
    this.filename = options.filename === undefined ? undefined : path.resolve(options.filename);
    this.#ownsFd = options.fd === undefined;
    this.#emit = fileEventEmitter(options.onFileEvent, options.onError);
    this.rotation = this.filename ? policyFor(this.filename, this.driver, options) : undefined;
    this.rotation?.listen?.(this.#emit);
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
    this.#openPath = file;
    this.#emit({ type: 'open', filename: file });
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
    const message = this.#warnedFs ? undefined : networkFsWarning(this.driver, file);
    if (message === undefined) return;
    this.#warnedFs = true;
    this.#opts.onWarning?.(message);
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

  // A policy with a size limit rotates here only a full file: a batch that does not fit in what
  // is left is split by writeParts, which rotates between its records (fanin #16 defect 4).
  #checkMoved(nextBytes: number): boolean {
    const bytes = this.rotation?.room ? Math.min(nextBytes, 1) : nextBytes;
    if (this.rotation && this.#rotateIfFull(bytes)) return true;
    const now = Date.now();
    if (now - this.#lastCheck < (this.#opts.reopenCheckMs ?? 100)) return false;
    this.#lastCheck = now;
    return this.reopenIfMoved();
  }

  // Before every batch: does the file end with a newline? (See file-tail.ts.)
  #checkTail(settle: boolean): void {
    const tail = fileTail(this.driver, this.#fd, settle);
    // Unreadable (a write-only file): keep what this process knows of its own writes.
    if (tail === 'unreadable') this.#tailReadable = false;
    else this.#newlineFirst = tail === 'mid-line';
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
      if (rotation.rotate(st, nextBytes, this.#openPath) === undefined) return reopened;
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

  /**
   * Appends `parts` (whole records) with one write, or, when a size limit leaves too little room
   * for all of them, at record boundaries with a rotation between the pieces: every file then
   * holds at most the limit, except a file holding one record larger than it. On failure the
   * error's `bytesWritten` counts the caller's bytes that landed, pieces before it included.
   */
  writeParts(parts: Uint8Array[]): void {
    if (this.#room() >= totalBytes(parts)) this.#append(parts);
    else appendWithinLimit(parts, this.#limited);
  }

  // Bytes the open file takes before the policy's size limit (less a newline owed to a torn
  // tail); Infinity without one. One fstat.
  #room(): number {
    const room = this.rotation?.room;
    if (!room || this.#fd < 0 || !this.#ownsFd || this.#opened?.kind !== 'file') {
      return Number.POSITIVE_INFINITY;
    }
    const left = room.call(this.rotation, this.driver.fstat(this.#fd));
    return Math.max(0, left - (this.#newlineFirst ? 1 : 0));
  }

  readonly #limited: LimitedFile = {
    room: () => this.#room(),
    used: () => this.openSize() > 0,
    rotateFor: (bytes) => {
      const moved = this.#rotateIfFull(bytes);
      if (moved && this.#tailReadable) this.#checkTail(false);
      return moved;
    },
    append: (parts) => this.#append(parts),
  };

  #append(parts: Uint8Array[]): void {
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
      this.#emit({ type: 'closed', filename: this.#openPath });
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
