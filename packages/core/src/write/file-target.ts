import * as path from 'node:path';
import { type EmitFileEvent, fileEventEmitter } from '../contract/file-event-emitter.js';
import { PIPE_BUF } from '../framing/record-framing.js';
import type { RotationPolicy } from '../rotation/rotation-policy.js';
import { type FileDriver, type FileInfo, nodeFileDriver } from '../system/file-driver.js';
import { type AppendTo, appendAll } from './file-append.js';
import { isADirectory, openLog, warnIfNetworkFs } from './file-open.js';
import { type FileTargetOptions, policyFor } from './file-target-options.js';
import { LateWrite } from './late-write.js';
import { appendWithinLimit, type LimitedFile, totalBytes } from './record-cut.js';
import type { Sink, SinkCounters } from './sink.js';
import { TailGuard } from './tail-guard.js';

const NEWLINE = Buffer.from('\n');

/**
 * A file, FIFO or descriptor opened for appending. Opens with O_APPEND | O_CREAT and the given
 * mode (creating parent directories), finds the target's kind with `fstat` to pick the atomic
 * write limit, warns once on a network file system, and reopens when the path no longer names
 * the open file (renamed or deleted by logrotate or another process).
 *
 * It alone applies the newline-after-a-tear rule (tail-guard.ts) to every write to a regular
 * file, so no record is glued onto a fragment.
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
  #fd = -1;
  #recovered = false;
  readonly #tail = new TailGuard();
  #warnedFs = false;
  readonly #ownsFd: boolean;
  #opened: FileInfo | undefined;
  // Whether the path was a symlink when the log was first opened (undefined: not opened yet).
  #followLinks: boolean | undefined;
  #atomicLimit = Number.POSITIVE_INFINITY;
  // This batch's fstat, shared by the tail look, rotation and room; cleared by a write or reopen.
  #info: FileInfo | undefined;
  #lastCheck = 0;
  // A batch that lands in a file removed meanwhile is written again (late-write.ts).
  readonly #late = new LateWrite();
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

  /** Writes that began with a newline because the file ended mid-line (a torn fragment). */
  get tornTails(): number {
    return this.#tail.mended;
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
    const noFollow = !first && this.#followLinks !== true;
    const mode = this.#opts.mode ?? 0o666;
    this.#adopt(openLog(this.driver, file, { mode, first, noFollow }, this.counters));
    this.#openPath = file;
    this.#emit({ type: 'open', filename: file });
    if (this.rotation?.opened) this.rotation.opened(this.#opened as FileInfo);
    if (!this.#recovered) {
      this.#recovered = true;
      this.rotation?.recover();
    }
    this.#lastCheck = Date.now();
    if (!this.#warnedFs) this.#warnedFs = warnIfNetworkFs(this.driver, file, this.#opts.onWarning);
  }

  #adopt(fd: number): void {
    const st = this.driver.fstat(fd);
    if (st.kind === 'directory') {
      if (this.#ownsFd) this.driver.close(fd);
      throw isADirectory(this.filename ?? `fd ${fd}`);
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

  // The tail check comes first: it may wait for another process's write, and the last look
  // before this write must be the rotation's (a file rotated and deleted meanwhile would take
  // the batch with it). A file reopened by that look gets its own tail check.
  prepare(nextBytes: number): void {
    this.#late.look();
    if (this.#fd < 0) this.open();
    if (this.#opened?.kind !== 'file' || !this.#ownsFd) return;
    this.#checkTail();
    if (this.#checkMoved(nextBytes)) this.#checkTail();
  }

  // A policy with a size limit rotates here only a full file: a batch that does not fit in what
  // is left is split by writeParts, which rotates between its records (fanin #16 defect 4).
  #checkMoved(nextBytes: number): boolean {
    const bytes = this.rotation?.room ? Math.min(nextBytes, 1) : nextBytes;
    if (this.rotation && this.#rotateIfFull(bytes)) return true;
    if (!this.rotation && this.#info && this.#late.gone(this.#info, this.#opened))
      return this.#reopen(true);
    const now = Date.now();
    if (now - this.#lastCheck < (this.#opts.reopenCheckMs ?? 100)) return false;
    this.#lastCheck = now;
    return this.reopenIfMoved();
  }

  // Before every batch: does the file end with a newline? (tail-guard.ts)
  #checkTail(): void {
    this.#info = this.#tail.look(this.driver, this.#fd, this.rotation !== undefined);
  }

  // The open file's fstat: this batch's, when nothing was written or reopened since.
  #stat(): FileInfo {
    this.#info ??= this.driver.fstat(this.#fd);
    return this.#info;
  }

  // One fstat of the open descriptor per batch: deleted, or about to be (by another process's
  // retention or compressor) → reopen; full → rotate, or reopen what another process rotated to.
  // The file this writer reopens may itself be full by now: check again, a few times at most.
  #rotateIfFull(nextBytes: number): boolean {
    const rotation = this.rotation as RotationPolicy;
    let reopened = false;
    for (let round = 0; round < 4; round++) {
      const st = this.#stat();
      if (this.#late.gone(st, this.#opened)) {
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
    const left = room.call(this.rotation, this.#stat());
    return Math.max(0, left - (this.#tail.owed ? 1 : 0));
  }

  readonly #limited: LimitedFile = {
    room: () => this.#room(),
    used: () => this.driver.fstat(this.#fd).size > 0,
    rotateFor: (bytes) => {
      // The file filled since this batch's look (used() says so): judge by a fresh fstat.
      this.#info = undefined;
      const moved = this.#rotateIfFull(bytes);
      if (moved) this.#checkTail();
      return moved;
    },
    append: (parts) => this.#append(parts),
  };

  #append(parts: Uint8Array[]): void {
    const regular = this.#atomicLimit === Number.POSITIVE_INFINITY;
    const lead = this.#tail.owed && regular;
    // A plain literal: built by spreads it cost ~2 µs a batch (measured; GC and slow loads).
    const to: AppendTo = {
      driver: this.driver,
      fd: this.#fd,
      counters: this.counters,
      eagainTimeoutMs: this.#opts.eagainTimeoutMs ?? 2000,
    };
    const all = lead ? [NEWLINE, ...parts] : parts;
    this.#info = undefined;
    try {
      appendAll(to, all);
    } catch (err) {
      const landed = (err as { bytesWritten?: number }).bytesWritten ?? 0;
      this.#tail.failed(landed, lead, regular);
      const own = Math.max(0, landed - (lead ? 1 : 0));
      throw Object.assign(err as Error, { bytesWritten: own });
    }
    this.#tail.wrote(all, lead);
    if (regular && this.#ownsFd && this.#late.lost(this.driver, this.#fd)) this.#again(parts);
  }

  // The batch went into a file removed since its look (late-write.ts): written again into the
  // live file, its records counted once, as written.
  #again(parts: Uint8Array[]): void {
    this.counters.retries++;
    this.#late.again(() => {
      this.#reopen(true);
      this.prepare(totalBytes(parts));
      this.writeParts(parts);
    });
  }

  #closeFd(): void {
    const fd = this.#fd;
    this.#fd = -1;
    this.#info = undefined;
    this.#tail.forget();
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
