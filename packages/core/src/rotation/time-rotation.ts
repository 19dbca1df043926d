import * as path from 'node:path';
import type { FileDriver, FileInfo } from '../system/file-driver.js';
import { type DateDialect, DatePattern } from './date-pattern.js';
import { type DatedName, DatedNames, type DateNaming } from './dated-names.js';
import { RotationNames } from './rotation-naming.js';
import { type CommonRotationOptions, CREATE, same, unlinkIfPresent } from './rotation-policy.js';
import { type Acted, type Current, RotationTemplate } from './rotation-template.js';

/** Options of {@link TimeRotation}. */
export interface TimeRotationOptions extends CommonRotationOptions {
  /** The date pattern; the finest field it prints sets the period. */
  pattern: string;
  /** @default inferred: 'date-format' when the pattern holds `yy`, else 'moment' */
  dialect?: DateDialect;
  /** Dates in UTC. @default false */
  utc?: boolean;
  /** winston-daily-rotate-file `frequency` ('5m', '3h') in ms: see {@link DatePattern}. */
  periodMs?: number;
  /** @default 'daily-rotate' when the filename holds `%DATE%`, else 'log4js-date' */
  naming?: DateNaming;
  /**
   * The date is in the active file's name (log4js `alwaysIncludePattern`; always so under
   * daily-rotate). Otherwise the active file keeps its name and is renamed when it rotates.
   * @default false
   */
  includeInActive?: boolean;
  /** Size parts within a period: a new part before a write would take the file past this. */
  maxBytes?: number;
  /** daily-rotate: appended after the date (and part number). @default '' */
  extension?: string;
  /** Dated files last written longer ago than this are deleted. @default never */
  maxAgeMs?: number;
}

/**
 * Time rotation (with size parts within a period, when `maxBytes` is set) that is safe across
 * processes, by the same rule as size rotation: each writer compares the label of now with that
 * of its open file, and the open file's size, before a batch (arithmetic and its own `fstat`);
 * when either is due, it takes the short rotation lock, checks under it that the path still
 * names its file, and exactly one process rotates (renames under log4js-date, creates the next
 * file under daily-rotate or with the date in the active name), applies retention and queues
 * compression; the others reopen the file the rotation left active.
 */
export class TimeRotation extends RotationTemplate {
  readonly #pattern: DatePattern;
  readonly #names: DatedNames;
  readonly #o: TimeRotationOptions;
  #openLabel = '';
  #activeLabel = '';
  #active = '';
  // When this process first wrote to the file it has open (checked at due()), or Infinity.
  #firstWrite = Number.POSITIVE_INFINITY;
  // The label of the open file's records, found by current() for act().
  #since = '';
  // daily-rotate: the part current() found active (and whether it exists) for act().
  #part = { n: 0, exists: false };

  constructor(base: string, driver: FileDriver, options: TimeRotationOptions) {
    super(base, driver, options, new RotationNames(base, 'log4js'));
    this.#pattern = new DatePattern(options.pattern, {
      ...(options.dialect ? { dialect: options.dialect } : {}),
      utc: options.utc === true,
      ...(options.periodMs === undefined ? {} : { periodMs: options.periodMs }),
    });
    this.#o = options;
    const naming = options.naming ?? (base.includes('%DATE%') ? 'daily-rotate' : 'log4js-date');
    this.#names = new DatedNames(base, this.#pattern, {
      naming,
      dateInName: naming === 'daily-rotate' || options.includeInActive === true,
      ...(options.keepFileExt === undefined ? {} : { keepFileExt: options.keepFileExt }),
      ...(options.fileNameSep === undefined ? {} : { fileNameSep: options.fileNameSep }),
      ...(options.extension === undefined ? {} : { extension: options.extension }),
    });
  }

  /** The file name of part 0 of the period `label`. */
  nameFor(label: string): string {
    return this.#names.part(label, 0);
  }

  activePath(): string {
    this.#activeLabel = this.#label(Date.now());
    if (this.#daily) {
      this.#active = this.#names.part(this.#activeLabel, this.#lastPart(this.#activeLabel).n);
      return this.#active;
    }
    // log4js-date with the date in the name and a size limit renames the last period's hot file
    // when it rotates: until then (a writer that looks between midnight and its next batch) it
    // stays the file to append to, so that it is not left behind unrenamed.
    const renamed = this.#dated && this.#o.maxBytes !== undefined;
    if (renamed && this.#openLabel && this.#openLabel !== this.#activeLabel) {
      const open = this.#names.hot(this.#openLabel);
      if (!this.driver.stat(this.#names.hot(this.#activeLabel)) && this.driver.stat(open)) {
        this.#activeLabel = this.#openLabel;
      }
    }
    this.#active = this.#names.hot(this.#activeLabel);
    return this.#active;
  }

  opened(info: FileInfo): void {
    // A file kept from an earlier run holds the records of its last write's period.
    this.#openLabel =
      this.#dated || info.size === 0 ? this.#activeLabel : this.#label(info.mtimeMs);
    this.#firstWrite = Number.POSITIVE_INFINITY;
  }

  due(open: FileInfo, nextBytes: number): boolean {
    const now = Date.now();
    if (this.#label(now) !== this.#openLabel || this.#full(open, nextBytes)) return true;
    // A batch goes into the open file now: the file holds records of this period from here on.
    if (now < this.#firstWrite) this.#firstWrite = now;
    return false;
  }

  get #daily(): boolean {
    return this.#names.naming === 'daily-rotate';
  }

  // The date is in the active file's name: a new period starts a new file.
  get #dated(): boolean {
    return this.#daily || this.#o.includeInActive === true;
  }

  #label(time: number): string {
    return this.#pattern.format(time);
  }

  #full(file: FileInfo, nextBytes: number): boolean {
    const max = this.#o.maxBytes;
    return max !== undefined && file.size > 0 && file.size + nextBytes > max;
  }

  protected current(open: FileInfo, nextBytes: number): Current {
    if (this.#daily) return this.#currentPart(open, nextBytes);
    const now = this.#label(Date.now());
    if (this.#dated && this.#o.maxBytes === undefined) {
      // Nothing is renamed: the first writer of a new period creates its file.
      const next = this.activePath();
      this.#since = this.#openLabel;
      return { path: next, rotate: now !== this.#openLabel && !this.driver.stat(next) };
    }
    // The open file is renamed: it rotates when the path still names it and it is full, or its
    // records are from an ended period — that of its last write (mtime), or of this process's
    // first write to it when earlier: a batch checked just before the period ended and written
    // just after moves the mtime into the new period, though the file holds the old one's.
    const hot = this.#names.hot(this.#openLabel);
    const cur = this.driver.stat(hot);
    if (!same(cur, open) || !cur) return { path: this.activePath(), rotate: false };
    // An empty active file that keeps its name is simply reused for the new period.
    if (cur.size === 0 && !this.#dated) return { path: hot, rotate: false };
    this.#since = this.#dated
      ? this.#openLabel
      : this.#label(Math.min(cur.mtimeMs, this.#firstWrite));
    return { path: hot, rotate: this.#since !== now || this.#full(cur, nextBytes) };
  }

  // daily-rotate: the active file is the last part of the period of now. Another process may
  // have moved on (a new period, or a new part): follow it; else this one creates the next file.
  #currentPart(open: FileInfo, nextBytes: number): Current {
    const now = this.#label(Date.now());
    const last = this.#lastPart(now);
    this.#part = last;
    const p = this.#names.part(now, last.n);
    if (now !== this.#openLabel) return { path: p, rotate: !last.exists };
    const cur = this.driver.stat(p);
    return { path: p, rotate: same(cur, open) && this.#full(cur as FileInfo, nextBytes) };
  }

  protected act(open: FileInfo): Acted {
    const now = this.#label(Date.now());
    if (this.#daily) {
      const n = this.#part.exists ? this.#part.n + 1 : this.#part.n;
      return this.#create(this.#names.part(now, n), [open.ino]);
    }
    if (this.#dated && this.#o.maxBytes === undefined) {
      const previous = this.#datedFiles().filter((f) => !f.gz && f.file !== this.#active);
      return this.#create(
        this.activePath(),
        previous.map((f) => f.ino),
      );
    }
    this.driver.rename(this.#names.hot(this.#openLabel), this.#renameTarget(this.#since));
    this.activePath();
    return { path: this.#active, rotated: [open.ino] };
  }

  // Created under the lock, so a writer that comes next sees it and does not rotate again.
  #create(file: string, rotated: number[]): Acted {
    this.driver.close(this.driver.open(file, CREATE, this.#o.mode ?? 0o666));
    this.#active = file;
    return { path: file, rotated };
  }

  // log4js-date: where the hot file of `label` goes. Without a size limit a period has one
  // rotated file, `app.log.<date>`; one already there (a restart) is kept and the new one
  // numbered after it rather than overwritten. With one, the period's parts move up by one,
  // oldest first so that no rename overwrites a file still to be moved (streamroller's
  // `_moveOldFiles`), and the hot file becomes part 1.
  #renameTarget(label: string): string {
    if (this.#o.maxBytes === undefined) {
      let n = 0;
      while (this.#exists(this.#names.part(label, n))) n++;
      return this.#names.part(label, n);
    }
    const parts = this.#datedFiles()
      .filter((f) => f.label === label && f.part > 0)
      .sort((a, b) => b.part - a.part);
    for (const f of parts) {
      const to = this.#names.part(label, f.part + 1);
      this.driver.rename(f.file, `${to}${f.gz ? '.gz' : ''}`);
    }
    return this.#names.part(label, 1);
  }

  #exists(file: string): boolean {
    return !!this.driver.stat(file) || !!this.driver.stat(`${file}.gz`);
  }

  protected retain(): void {
    const keep = this.#o.backups;
    const oldest = this.#o.maxAgeMs === undefined ? -1 : Date.now() - this.#o.maxAgeMs;
    const rotated = this.#datedFiles().filter((f) => f.file !== this.#active);
    rotated.forEach((f, i) => {
      if ((keep !== undefined && i >= keep) || f.mtimeMs < oldest) {
        unlinkIfPresent(this.driver, f.file);
      }
    });
  }

  protected rotatedNames(names: readonly string[]): string[] {
    return this.#datedFiles(names)
      .filter((f) => f.file !== this.#active)
      .map((f) => path.basename(f.file));
  }

  // daily-rotate: the highest part of `label` present (plain or compressed) and whether it is
  // still plain (the active file), as file-stream-rotator finds it by probing `name.N` in turn.
  #lastPart(label: string): { n: number; exists: boolean } {
    let last = { n: 0, exists: false };
    for (const name of this.listDir()) {
      const f = this.#names.parse(name);
      if (!f || f.label !== label || f.part < last.n) continue;
      if (f.part > last.n || !last.exists) last = { n: f.part, exists: true };
      if (f.gz) last = { n: f.part + 1, exists: false };
    }
    return last;
  }

  // This log's dated files (the active one too), newest first: by last write, and within one
  // period by part number (newest highest under daily-rotate, lowest under log4js-date).
  #datedFiles(
    names: readonly string[] = this.listDir(),
  ): (DatedName & { file: string; mtimeMs: number; ino: number })[] {
    const out: (DatedName & { file: string; mtimeMs: number; ino: number })[] = [];
    for (const name of names) {
      const f = this.#names.parse(name);
      const file = path.join(this.#names.dir, name);
      const st = f && this.driver.stat(file);
      if (f && st) out.push({ ...f, file, mtimeMs: st.mtimeMs, ino: st.ino });
    }
    const order = this.#daily ? -1 : 1;
    return out.sort(
      (a, b) => b.mtimeMs - a.mtimeMs || (a.label === b.label ? order * (a.part - b.part) : 0),
    );
  }
}
