import * as path from 'node:path';
import type { FileDriver, FileInfo } from '../system/file-driver.js';
import { DatePattern } from './date-pattern.js';
import { RotationNames } from './rotation-naming.js';
import { type CommonRotationOptions, CREATE, same } from './rotation-policy.js';
import { type Acted, type Current, RotationTemplate } from './rotation-template.js';

/** Options of {@link TimeRotation}. */
export interface TimeRotationOptions extends CommonRotationOptions {
  /** log4js (`yyyy-MM-dd-hh`) or moment (`YYYY-MM-DD-HH`) tokens; the finest one sets the period. */
  pattern: string;
  /**
   * The date is in the active file's name (log4js `alwaysIncludePattern`, or `%DATE%` in the
   * filename as winston-daily-rotate-file writes it): nothing is renamed, writers move on to the
   * new name. Otherwise the active file keeps its name and is renamed when its period ends.
   * @default false
   */
  includeInActive?: boolean;
  /** Dated files last written longer ago than this are deleted. @default never */
  maxAgeMs?: number;
}

/**
 * Time rotation that is safe across processes, by the same rule as size rotation: each writer
 * compares the period of now with the period of its open file before a batch (arithmetic, no
 * syscall); when it changed, it takes the short rotation lock, checks under it that the path
 * still names its file, and then exactly one process renames it (or, with the date in the active
 * name, creates the new file), applies retention and queues compression; the others reopen.
 */
export class TimeRotation extends RotationTemplate {
  readonly #base: string;
  readonly #pattern: DatePattern;
  readonly #o: TimeRotationOptions;
  readonly #dated: RegExp;
  #openPeriod = -1;
  #activePeriod = -1;
  // When this process first wrote to the file it has open (checked at due()), or Infinity.
  #firstWrite = Number.POSITIVE_INFINITY;
  // The time the open file's records are from, found by current() for act().
  #since = 0;

  constructor(base: string, driver: FileDriver, options: TimeRotationOptions) {
    super(base, driver, options, new RotationNames(base, 'log4js'));
    this.#base = base;
    this.#pattern = new DatePattern(options.pattern);
    this.#o = options;
    const name = path.basename(this.nameFor('\u0000'));
    const [pre = '', post = ''] = name
      .split('\u0000')
      .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    this.#dated = new RegExp(`^${pre}${this.#pattern.labelSource()}${post}(\\.\\d+)?(\\.gz)?$`);
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

  get #included(): boolean {
    return this.#o.includeInActive === true || this.#base.includes('%DATE%');
  }

  // The active file keeps its name: it rotates when it is still the open file and its records
  // are from an ended period — that of its last write (mtime), or of this process's first write
  // to it when earlier: a batch checked just before the period ended and written just after
  // moves the mtime into the new period, though the file holds the old one's records. With the
  // date in the active name, the first writer of a new period creates its file.
  protected current(open: FileInfo, _nextBytes: number): Current {
    if (this.#included) {
      const next = this.activePath();
      return { path: next, rotate: !this.driver.stat(next) };
    }
    const cur = this.driver.stat(this.#base);
    if (!same(cur, open) || !cur || cur.size === 0) return { path: this.#base, rotate: false };
    this.#since = Math.min(cur.mtimeMs, this.#firstWrite);
    const ended = this.#pattern.periodOf(this.#since) !== this.#pattern.periodOf(Date.now());
    return { path: this.#base, rotate: ended };
  }

  protected act(open: FileInfo): Acted {
    if (this.#included) {
      const next = this.activePath();
      const previous = this.#datedFiles().filter((f) => !f.file.endsWith('.gz'));
      this.driver.close(this.driver.open(next, CREATE, this.#o.mode ?? 0o666));
      return { path: next, rotated: previous.map((f) => f.ino) };
    }
    const label = this.#pattern.format(this.#since);
    let target = this.nameFor(label);
    for (let n = 1; this.driver.stat(target) || this.driver.stat(`${target}.gz`); n++) {
      target = `${this.nameFor(label)}.${n}`;
    }
    this.driver.rename(this.#base, target);
    return { path: this.#base, rotated: [open.ino] };
  }

  protected retain(): void {
    const keep = this.#o.backups;
    const oldest = this.#o.maxAgeMs === undefined ? -1 : Date.now() - this.#o.maxAgeMs;
    this.#datedFiles().forEach((f, i) => {
      if ((keep !== undefined && i >= keep) || f.mtimeMs < oldest) {
        this.removeFile(f.file);
      }
    });
  }

  protected rotatedNames(names: readonly string[]): string[] {
    return this.#datedFiles(names).map((f) => path.basename(f.file));
  }

  // Dated files other than the active one, newest first.
  #datedFiles(
    names: readonly string[] = this.listDir(),
  ): { file: string; mtimeMs: number; ino: number }[] {
    const dir = path.dirname(this.nameFor('x'));
    const active = this.#included ? this.nameFor(this.#pattern.format(this.#activePeriod)) : '';
    const out: { file: string; mtimeMs: number; ino: number }[] = [];
    for (const name of names) {
      const file = path.join(dir, name);
      if (!this.#dated.test(name) || file === active) continue;
      const st = this.driver.stat(file);
      if (st) out.push({ file, mtimeMs: st.mtimeMs, ino: st.ino });
    }
    return out.sort((a, b) => b.mtimeMs - a.mtimeMs);
  }
}
