import * as path from 'node:path';
import type { FileDriver, FileInfo } from '../system/file-driver.js';
import { AuditLog } from './audit-log.js';
import { pointSymlink } from './current-symlink.js';
import { DatePattern } from './date-pattern.js';
import { type DatedName, DatedNames } from './dated-names.js';
import { RotationNames } from './rotation-naming.js';
import { CREATE, same } from './rotation-policy.js';
import { type Acted, type Current, RotationTemplate } from './rotation-template.js';
import type { TimeRotationOptions } from './time-rotation-options.js';

export type { TimeRotationOptions } from './time-rotation-options.js';

type DatedFile = DatedName & { file: string; mtimeMs: number; ino: number };

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
  readonly #audit: AuditLog | undefined;
  /**
   * With size parts (`maxBytes`): bytes the open file takes before the limit, so that the file
   * target splits a batch at record boundaries and rotates between (as under size rotation).
   */
  readonly room?: (open: FileInfo) => number;
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
    const max = options.maxBytes;
    if (max !== undefined) this.room = (open) => Math.max(0, max - open.size);
    const a = options.audit;
    this.#audit = a
      ? new AuditLog(driver, a.file, a.hashType, a.keep, {
          compress: options.compress === true,
          mode: options.mode ?? 0o666,
          remove: (file) => this.removeFile(file),
        })
      : undefined;
  }

  /** The file name of part 0 of the period `label`. */
  nameFor(label: string): string {
    return this.#names.part(label, 0);
  }

  activePath(): string {
    const label = this.#label(Date.now());
    const next = this.#daily ? this.#lastPartPath(label) : this.#names.hot(label);
    // Where only a rotation under the lock makes the next file (it renames the last one, or
    // announces the new one to the symlink and the audit), a writer that looks between the end
    // of a period and its next batch keeps the file it has until then.
    const holdOn = this.#daily || (this.#dated && this.#o.maxBytes !== undefined);
    if (holdOn && this.#active && next !== this.#active && !this.driver.stat(next)) {
      if (this.driver.stat(this.#active)) return this.#active;
    }
    this.#activeLabel = label;
    this.#active = next;
    return next;
  }

  // daily-rotate: the last part of `label`. Writers look every reopenCheckMs: while the part
  // they have is there and no next one, two `stat`s answer without listing the directory.
  #lastPartPath(label: string): string {
    if (label === this.#activeLabel && this.#active && this.driver.stat(this.#active)) {
      const n = this.#names.parse(path.basename(this.#active))?.part ?? 0;
      if (!this.driver.stat(this.#names.part(label, n + 1))) return this.#active;
    }
    return this.#names.part(label, this.#names.lastPart(this.listDir(), label).n);
  }

  /** At first open, as the template's; then points the symlink and audit at the active file. */
  override recover(): void {
    super.recover();
    if (this.#o.symlinkName === undefined && !this.#audit) return;
    if (!this.lock.acquire()) return;
    try {
      this.#announce(this.#active);
    } finally {
      this.lock.release();
    }
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
    const last = this.#names.lastPart(this.listDir(), now);
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
      const acted = this.#create(this.#names.part(now, n), [open.ino]);
      this.#announce(acted.path);
      return acted;
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
      const taken = (f: string) => this.driver.stat(f) || this.driver.stat(`${f}.gz`);
      while (taken(this.#names.part(label, n))) n++;
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

  // daily-rotate: a new active file, as file-stream-rotator's 'new' handler takes it.
  #announce(file: string): void {
    try {
      if (this.#o.symlinkName !== undefined) {
        pointSymlink(this.driver, this.#names.dir, this.#o.symlinkName, file);
      }
      this.#audit?.add(file);
    } catch (err) {
      this.#o.onMarkError?.(err as Error);
    }
  }

  protected retain(): void {
    if (this.#audit) return;
    const keep = this.#o.backups;
    const oldest = this.#o.maxAgeMs === undefined ? -1 : Date.now() - this.#o.maxAgeMs;
    const rotated = this.#datedFiles().filter((f) => f.file !== this.#active);
    rotated.forEach((f, i) => {
      if ((keep !== undefined && i >= keep) || f.mtimeMs < oldest) {
        this.removeFile(f.file);
      }
    });
  }

  protected rotatedNames(names: readonly string[]): string[] {
    return this.#datedFiles(names)
      .filter((f) => f.file !== this.#active)
      .map((f) => path.basename(f.file));
  }

  // This log's dated files (the active one too), newest first: by last write, and within one
  // period by part number (newest highest under daily-rotate, lowest under log4js-date).
  #datedFiles(names: readonly string[] = this.listDir()): DatedFile[] {
    const out: DatedFile[] = [];
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
