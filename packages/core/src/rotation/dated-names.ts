import * as path from 'node:path';
import type { DatePattern } from './date-pattern.js';
import { escapeRe } from './date-token.js';

/**
 * How dated files are named, as each source names them:
 * - `'log4js-date'`: streamroller's (log4js dateFile): the hot file is `app.log` (with
 *   `alwaysIncludePattern`, `app.log.<date>`); a period's rotated file `app.log.<date>`; with a
 *   size limit too, its parts `app.log.<date>.1`, `.2`… newest first (each rotation shifts them
 *   up). `keepFileExt`: `app.<date>.1.log`. `fileNameSep` replaces each `.` before date and index.
 * - `'daily-rotate'`: file-stream-rotator's (winston-daily-rotate-file): the date replaces every
 *   `%DATE%` in the filename (else `.<date>` is appended), then `extension`; with a size limit,
 *   the next parts are `<name>.1<extension>`, `.2`… (newest last); nothing is renamed.
 */
export type DateNaming = 'log4js-date' | 'daily-rotate';

/** One of this log's dated files: its label, part number (0 = none) and whether it is `.gz`. */
export interface DatedName {
  name: string;
  label: string;
  part: number;
  gz: boolean;
}

/** Options of {@link DatedNames}. */
export interface DatedNamesOptions {
  naming: DateNaming;
  /** log4js `alwaysIncludePattern` (always true for daily-rotate). */
  dateInName: boolean;
  keepFileExt?: boolean;
  fileNameSep?: string;
  extension?: string;
}

/** File names of one dated log: the inverse pair `part()` / `parse()`. */
export class DatedNames {
  readonly dir: string;
  readonly #base: string;
  readonly #o: DatedNamesOptions;
  readonly #sep: string;
  readonly #re: RegExp;

  constructor(base: string, pattern: DatePattern, o: DatedNamesOptions) {
    this.#base = base;
    this.#o = o;
    this.#sep = o.naming === 'daily-rotate' ? '.' : (o.fileNameSep ?? '.');
    this.dir = path.dirname(base);
    // The part number goes before the extension (daily-rotate's `extension`, the base's own
    // with keepFileExt), else last.
    const inner =
      o.naming === 'daily-rotate' ? (o.extension ?? '') : o.keepFileExt ? path.extname(base) : '';
    const name = path.basename(this.part('\u0000', 0));
    const [pre = '', post = ''] = name.slice(0, name.length - inner.length).split('\u0000');
    this.#re = new RegExp(
      `^${escapeRe(pre)}(${pattern.labelSource()})${escapeRe(post)}` +
        `(?:${escapeRe(this.#sep)}(\\d+))?${escapeRe(inner)}(\\.gz)?$`,
    );
  }

  get naming(): DateNaming {
    return this.#o.naming;
  }

  /** The hot (active) file of the period `label`: part 0 of it, or the base name. */
  hot(label: string): string {
    return this.#o.dateInName || this.#o.naming === 'daily-rotate'
      ? this.part(label, 0)
      : this.#base;
  }

  /** Part `n` of the period `label` (0: the first, unnumbered file). */
  part(label: string, n: number): string {
    const index = n > 0 ? `${this.#sep}${n}` : '';
    if (this.#o.naming === 'daily-rotate') {
      const named = this.#base.includes('%DATE%')
        ? this.#base.replaceAll('%DATE%', label)
        : `${this.#base}.${label}`;
      return `${named}${index}${this.#o.extension ?? ''}`;
    }
    if (!this.#o.keepFileExt) return `${this.#base}${this.#sep}${label}${index}`;
    const ext = path.extname(this.#base);
    return path.join(
      this.dir,
      `${path.basename(this.#base, ext)}${this.#sep}${label}${index}${ext}`,
    );
  }

  /** The dated file `name` (a bare name) describes, or undefined if it is not one of this log's. */
  parse(name: string): DatedName | undefined {
    const m = this.#re.exec(name);
    if (!m) return undefined;
    return { name, label: m[1] as string, part: m[2] ? Number(m[2]) : 0, gz: m[3] !== undefined };
  }

  /**
   * daily-rotate: the highest part of `label` among `names`, plain or compressed, and whether it
   * is still plain (the active file), as file-stream-rotator finds it probing `name.N` in turn;
   * after a compressed one, the next number (not yet made).
   */
  lastPart(names: readonly string[], label: string): { n: number; exists: boolean } {
    let last = { n: 0, exists: false };
    for (const name of names) {
      const f = this.parse(name);
      if (!f || f.label !== label || f.part < last.n) continue;
      if (f.part > last.n || !last.exists) last = { n: f.part, exists: true };
      if (f.gz) last = { n: f.part + 1, exists: false };
    }
    return last;
  }
}
