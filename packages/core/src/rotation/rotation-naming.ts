import * as path from 'node:path';

/**
 * How rotated files are named, as each framework names them:
 * - `'log4js'`: `app.log` stays the active file; backups `app.log.1`, `app.log.2` (newest first),
 *   or `app.1.log` with `keepFileExt`; `.gz` appended when compressed.
 * - `'winston-tailable'`: `app.log` stays active; backups `app1.log`, `app2.log` (newest first).
 * - `'winston'`: winston's default: the active file moves on, `app.log`, `app1.log`, `app2.log`…
 *   (newest last); nothing is renamed.
 */
export type RotationNaming = 'log4js' | 'winston-tailable' | 'winston';

/** File names of one log under one naming scheme. */
export class RotationNames {
  readonly base: string;
  readonly naming: RotationNaming;
  readonly dir: string;
  readonly #stem: string;
  readonly #ext: string;
  readonly #keepFileExt: boolean;
  readonly #sep: string;

  constructor(base: string, naming: RotationNaming, keepFileExt = false, fileNameSep = '.') {
    this.base = base;
    this.naming = naming;
    this.dir = path.dirname(base);
    this.#ext = path.extname(base);
    this.#stem = path.basename(base, this.#ext);
    this.#keepFileExt = keepFileExt;
    this.#sep = fileNameSep;
  }

  /**
   * Slot `i` (1 = newest backup) for the shifting schemes; for `'winston'`, file number `i`
   * (0 = the base name).
   */
  slot(i: number): string {
    if (this.naming === 'log4js') {
      return this.#keepFileExt
        ? path.join(this.dir, `${this.#stem}${this.#sep}${i}${this.#ext}`)
        : `${this.base}${this.#sep}${i}`;
    }
    if (i === 0) return this.base;
    return path.join(this.dir, `${this.#stem}${i}${this.#ext}`);
  }

  /**
   * The number `slot()` gives the bare file name `name` (0 for the base name, `.gz` or not), or
   * -1 if the name is not one of this log's: the inverse of `slot`, so that a rotation can work
   * from one `readdir` instead of probing every number up to `backups`.
   */
  numberOf(name: string): number {
    const plain = name.endsWith('.gz') ? name.slice(0, -3) : name;
    if (plain === path.basename(this.base)) return 0;
    const [pre, post] = this.#around();
    if (!plain.startsWith(pre) || !plain.endsWith(post)) return -1;
    const digits = plain.slice(pre.length, plain.length - post.length);
    return /^[1-9]\d{0,8}$/.test(digits) ? Number(digits) : -1;
  }

  // What comes before and after the number in a slot's bare name.
  #around(): [string, string] {
    if (this.naming !== 'log4js') return [this.#stem, this.#ext];
    if (this.#keepFileExt) return [`${this.#stem}${this.#sep}`, this.#ext];
    return [`${path.basename(this.base)}${this.#sep}`, ''];
  }

  /**
   * This log's files among the bare names `names` of its directory, each with its number (0 for
   * the base name); `.gz` ones marked.
   */
  numbered(names: readonly string[]): { name: string; n: number; gz: boolean }[] {
    const out: { name: string; n: number; gz: boolean }[] = [];
    for (const name of names) {
      const n = this.numberOf(name);
      if (n >= 0) out.push({ name, n, gz: name.endsWith('.gz') });
    }
    return out;
  }

  /** The temporary name a compression writes before it is renamed into place. */
  compressTemp(ino: number): string {
    return path.join(this.dir, `.${path.basename(this.base)}.${ino}.${process.pid}.gz.tmp`);
  }

  /** `{ ino, pid }` of a compression temporary `name` of this log, or undefined. */
  parseTemp(name: string): { ino: number; pid: number } | undefined {
    const prefix = `.${path.basename(this.base)}.`;
    if (!name.startsWith(prefix) || !name.endsWith('.gz.tmp')) return undefined;
    const m = /^(\d+)\.(\d+)$/.exec(name.slice(prefix.length, -'.gz.tmp'.length));
    return m ? { ino: Number(m[1]), pid: Number(m[2]) } : undefined;
  }
}
