import * as path from 'node:path';
import { Compressor } from './compressor.js';
import { DatePattern } from './date-pattern.js';
import type { FileDriver, FileInfo } from './file-driver.js';
import {
  CREATE,
  type ExclusiveLock,
  type RotationPolicy,
  rotationLockFor,
  same,
  unlinkIfPresent,
} from './rotation.js';
import { RotationNames } from './rotation-naming.js';

/** Options of {@link TimeRotation}. */
export interface TimeRotationOptions {
  /** log4js (`yyyy-MM-dd-hh`) or moment (`YYYY-MM-DD-HH`) tokens; the finest one sets the period. */
  pattern: string;
  /**
   * The date is in the active file's name (log4js `alwaysIncludePattern`, or `%DATE%` in the
   * filename as winston-daily-rotate-file writes it): nothing is renamed, writers move on to the
   * new name. Otherwise the active file keeps its name and is renamed when its period ends.
   * @default false
   */
  includeInActive?: boolean;
  /** Dated files kept, the active file not counted. @default all */
  backups?: number;
  /** Dated files last written longer ago than this are deleted. @default never */
  maxAgeMs?: number;
  compress?: boolean;
  keepFileExt?: boolean;
  fileNameSep?: string;
  lockStaleMs?: number;
  lockWaitMs?: number;
  lock?: ExclusiveLock;
  mode?: number;
  quietMs?: number;
  onError?: (err: Error) => void;
}

/**
 * Time rotation that is safe across processes, by the same rule as size rotation: each writer
 * compares the period of now with the period of its open file before a batch (arithmetic, no
 * syscall); when it changed, it takes the short rotation lock, checks under it that the path
 * still names its file, and then exactly one process renames it (or, with the date in the active
 * name, creates the new file), applies retention and queues compression; the others reopen.
 */
export class TimeRotation implements RotationPolicy {
  readonly counters = { rotations: 0, lockTimeouts: 0 };
  readonly lock: ExclusiveLock;
  readonly #base: string;
  readonly #pattern: DatePattern;
  readonly #o: TimeRotationOptions;
  readonly #driver: FileDriver;
  readonly #compressor: Compressor | undefined;
  readonly #dated: RegExp;
  #openPeriod = -1;
  #activePeriod = -1;
  // When this process first wrote to the file it has open (checked at due()), or Infinity.
  #firstWrite = Number.POSITIVE_INFINITY;

  constructor(base: string, driver: FileDriver, options: TimeRotationOptions) {
    this.#base = base;
    this.#pattern = new DatePattern(options.pattern);
    this.#o = options;
    this.#driver = driver;
    this.lock = rotationLockFor(base, driver, options);
    const name = path.basename(this.nameFor('\u0000'));
    const [pre = '', post = ''] = name
      .split('\u0000')
      .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    this.#dated = new RegExp(`^${pre}${this.#pattern.labelSource()}${post}(\\.\\d+)?(\\.gz)?$`);
    this.#compressor = options.compress
      ? new Compressor(
          new RotationNames(base, 'log4js'),
          driver,
          this.lock,
          (ino) => this.#locate(ino),
          options,
        )
      : undefined;
  }

  /** The file name for a period label. */
  nameFor(label: string): string {
    if (this.#base.includes('%DATE%')) return this.#base.replace('%DATE%', label);
    const sep = this.#o.fileNameSep ?? '.';
    if (!this.#o.keepFileExt) return `${this.#base}${sep}${label}`;
    const ext = path.extname(this.#base);
    return path.join(
      path.dirname(this.#base),
      `${path.basename(this.#base, ext)}${sep}${label}${ext}`,
    );
  }

  activePath(): string {
    this.#activePeriod = this.#pattern.periodOf(Date.now());
    if (!this.#included) return this.#base;
    return this.nameFor(this.#pattern.format(this.#activePeriod));
  }

  opened(info: FileInfo): void {
    // A file kept from an earlier run belongs to the period of its last write.
    this.#openPeriod =
      this.#included || info.size === 0 ? this.#activePeriod : this.#pattern.periodOf(info.mtimeMs);
    this.#firstWrite = Number.POSITIVE_INFINITY;
  }

  due(_open: FileInfo, _nextBytes: number): boolean {
    const now = Date.now();
    if (this.#pattern.periodOf(now) !== this.#openPeriod) return true;
    // A batch goes into the open file now: the file holds records of this period from here on.
    if (now < this.#firstWrite) this.#firstWrite = now;
    return false;
  }

  rotate(open: FileInfo, _nextBytes: number): string | undefined {
    if (!this.lock.acquire()) {
      this.counters.lockTimeouts++;
      return undefined;
    }
    try {
      return this.#included ? this.#moveOn() : this.#renameEnded(open);
    } finally {
      this.lock.release();
    }
  }

  recover(): void {
    this.#compressor?.recover(this.#uncompressed());
  }

  idle(): Promise<void> {
    return this.#compressor?.idle() ?? Promise.resolve();
  }

  get #included(): boolean {
    return this.#o.includeInActive === true || this.#base.includes('%DATE%');
  }

  // The active file keeps its name: rename it after the period its records are from — that of
  // its last write (mtime), or of this process's first write to it when earlier: a batch checked
  // just before the period ended and written just after moves the mtime into the new period,
  // though the file holds the old one's records (and would otherwise not be renamed at all).
  #renameEnded(open: FileInfo): string {
    const cur = this.#driver.stat(this.#base);
    if (!same(cur, open) || !cur || cur.size === 0) return this.#base;
    const since = Math.min(cur.mtimeMs, this.#firstWrite);
    if (this.#pattern.periodOf(since) === this.#pattern.periodOf(Date.now())) return this.#base;
    const label = this.#pattern.format(since);
    let target = this.nameFor(label);
    for (let n = 1; this.#driver.stat(target) || this.#driver.stat(`${target}.gz`); n++) {
      target = `${this.nameFor(label)}.${n}`;
    }
    this.#driver.rename(this.#base, target);
    this.#rotated([open.ino]);
    return this.#base;
  }

  // The date is in the active name: the first writer of a new period creates its file.
  #moveOn(): string {
    const next = this.activePath();
    if (!this.#driver.stat(next)) {
      this.#driver.close(this.#driver.open(next, CREATE, this.#o.mode ?? 0o666));
      this.#rotated(this.#uncompressed());
    }
    return next;
  }

  #rotated(toCompress: number[]): void {
    this.counters.rotations++;
    this.#retain();
    for (const ino of toCompress) this.#compressor?.add(ino);
  }

  // Dated files other than the active one, newest first.
  #datedFiles(): { file: string; mtimeMs: number; ino: number }[] {
    const dir = path.dirname(this.nameFor('x'));
    const active = this.#included ? this.nameFor(this.#pattern.format(this.#activePeriod)) : '';
    const out: { file: string; mtimeMs: number; ino: number }[] = [];
    for (const name of this.#driver.readdir(dir)) {
      const file = path.join(dir, name);
      if (!this.#dated.test(name) || file === active) continue;
      const st = this.#driver.stat(file);
      if (st) out.push({ file, mtimeMs: st.mtimeMs, ino: st.ino });
    }
    return out.sort((a, b) => b.mtimeMs - a.mtimeMs);
  }

  #retain(): void {
    const keep = this.#o.backups;
    const oldest = this.#o.maxAgeMs === undefined ? -1 : Date.now() - this.#o.maxAgeMs;
    this.#datedFiles().forEach((f, i) => {
      if ((keep !== undefined && i >= keep) || f.mtimeMs < oldest)
        unlinkIfPresent(this.#driver, f.file);
    });
  }

  #uncompressed(): number[] {
    return this.#datedFiles()
      .filter((f) => !f.file.endsWith('.gz'))
      .map((f) => f.ino);
  }

  #locate(ino: number): string | undefined {
    return this.#datedFiles().find((f) => f.ino === ino && !f.file.endsWith('.gz'))?.file;
  }
}
