import * as path from 'node:path';
import type { FileDriver, FileInfo } from '../system/file-driver.js';
import { RotationNames, type RotationNaming } from './rotation-naming.js';
import { type CommonRotationOptions, CREATE, same } from './rotation-policy.js';
import { type Acted, type Current, RotationTemplate } from './rotation-template.js';

/** Options of {@link SizeRotation}, in fanin's own names. */
export interface SizeRotationOptions extends CommonRotationOptions {
  /** Rotate before a write would take the file past this many bytes. */
  maxBytes: number;
  /** @default 'log4js' */
  naming?: RotationNaming;
}

/**
 * Size rotation that is safe across processes with no lock per write. Each writer `fstat`s its
 * open file before a batch; only when the batch would take it past `maxBytes` does it take the
 * short rotation lock (the template in {@link RotationTemplate}), and exactly one process
 * rotates: under log4js and winston-tailable naming it shifts every rotated file up by one and
 * renames the active file to slot 1; under winston naming it creates the next number.
 *
 * @example
 * const policy = new SizeRotation('/var/log/app.log', nodeFileDriver, { maxBytes: 1 << 20, backups: 5 });
 */
export class SizeRotation extends RotationTemplate {
  readonly maxBytes: number;
  readonly names: RotationNames;
  readonly #o: SizeRotationOptions;
  #current = -1;

  constructor(base: string, driver: FileDriver, options: SizeRotationOptions) {
    const names = new RotationNames(
      base,
      options.naming ?? 'log4js',
      options.keepFileExt,
      options.fileNameSep,
    );
    super(base, driver, options, names);
    this.maxBytes = options.maxBytes;
    this.names = names;
    this.#o = options;
  }

  get #incrementing(): boolean {
    return this.names.naming === 'winston';
  }

  /** The path writers append to now. */
  activePath(): string {
    if (!this.#incrementing) return this.names.base;
    return this.names.slot(this.#refreshCurrent());
  }

  /** Whether a batch of `nextBytes` no longer fits in the open file. */
  due(open: FileInfo, nextBytes: number): boolean {
    return open.size > 0 && open.size + nextBytes > this.maxBytes;
  }

  /** Bytes the open file takes before `maxBytes`. */
  room(open: FileInfo): number {
    return Math.max(0, this.maxBytes - open.size);
  }

  protected current(open: FileInfo, nextBytes: number): Current {
    const active = this.#incrementing ? this.names.slot(this.#refreshCurrent()) : this.names.base;
    const cur = this.driver.stat(active);
    return { path: active, rotate: same(cur, open) && this.due(cur as FileInfo, nextBytes) };
  }

  protected act(open: FileInfo): Acted {
    if (this.#incrementing) {
      // Created under the lock, so a writer that comes next sees it and does not rotate again.
      const next = this.#current + 1;
      this.driver.close(this.driver.open(this.names.slot(next), CREATE, this.#o.mode ?? 0o666));
      this.#current = next;
      return { path: this.names.slot(next), rotated: [open.ino] };
    }
    // Oldest first, so that no rename overwrites a file still to be moved; a rotation killed
    // half-way leaves at worst a gap in the numbers. Plain and `.gz` names move alike.
    const present = this.names
      .numbered(this.listDir())
      .filter((f) => f.n > 0)
      .sort((a, b) => b.n - a.n);
    for (const f of present) {
      this.driver.rename(this.#path(f.name), `${this.names.slot(f.n + 1)}${f.gz ? '.gz' : ''}`);
    }
    this.driver.rename(this.names.base, this.names.slot(1));
    return { path: this.names.base, rotated: [open.ino] };
  }

  // Shifting naming: every number past `backups` goes. winston naming: every number below the
  // kept ones goes, not just the one that fell out: one a slow writer left behind would
  // otherwise stay for good.
  protected retain(): void {
    const keep = this.#o.backups;
    if (keep === undefined) return;
    const gone = this.#incrementing
      ? (n: number) => n < this.#current - keep
      : (n: number) => n > keep;
    for (const f of this.names.numbered(this.listDir())) {
      if (gone(f.n)) this.removeFile(this.#path(f.name));
    }
  }

  protected rotatedNames(names: readonly string[]): string[] {
    const numbered = this.names.numbered(names);
    if (!this.#incrementing) {
      return numbered
        .filter((f) => f.n > 0)
        .sort((a, b) => a.n - b.n)
        .map((f) => f.name);
    }
    const active = this.#refreshCurrent();
    return numbered
      .filter((f) => f.n < active)
      .sort((a, b) => b.n - a.n)
      .map((f) => f.name);
  }

  // winston naming: other processes move the active number on, and retention deletes old
  // numbers. Start from the highest number in the directory when ours is gone (numbers above a
  // deleted one need not follow on from it), then follow newer ones.
  #refreshCurrent(): number {
    if (this.#current < 0 || !this.#exists(this.names.slot(this.#current + 1))) {
      for (const f of this.names.numbered(this.listDir())) {
        if (f.n > this.#current) this.#current = f.n;
      }
      this.#current = Math.max(this.#current, 0);
    }
    while (this.#exists(this.names.slot(this.#current + 1))) this.#current++;
    return this.#current;
  }

  #exists(p: string): boolean {
    return !!this.driver.stat(p) || !!this.driver.stat(`${p}.gz`);
  }

  #path(name: string): string {
    return path.join(this.names.dir, name);
  }
}
