import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Expected, type LedgerOptions, type LogCheck, LogLedger } from './log-check.js';

/**
 * How a log's files are named, as each framework names them (packages/core/README.md, "Naming"):
 * - `'log4js'`: `app.log` active; `app.log.1` (newest backup), `app.log.2`, …
 * - `'log4js-keep-ext'`: log4js with `keepFileExt`: `app.1.log`, `app.2.log`, …
 * - `'winston-tailable'`: `app.log` active; `app1.log` (newest backup), `app2.log`, …
 * - `'winston'`: the active file moves on: `app.log` (oldest), `app1.log`, … (newest active)
 *
 * Any rotated file may carry `.gz`.
 */
export type Naming = 'log4js' | 'log4js-keep-ext' | 'winston-tailable' | 'winston';

/** One file of a log, as {@link logFiles} lists it. */
export interface LogFile {
  name: string;
  path: string;
  /** Its number in the scheme: 0 for the base name (`app.log`). */
  number: number;
  compressed: boolean;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A regex that matches exactly the names `naming` gives the files of `base`, capturing the number. */
export function namePattern(naming: Naming, base = 'app.log'): RegExp {
  const ext = path.extname(base);
  const stem = escapeRegex(path.basename(base, ext));
  const e = escapeRegex(ext);
  const n = '([1-9]\\d{0,8})';
  if (naming === 'log4js') return new RegExp(`^${stem}${e}(?:\\.${n})?(\\.gz)?$`);
  if (naming === 'log4js-keep-ext') return new RegExp(`^${stem}(?:\\.${n})?${e}(\\.gz)?$`);
  return new RegExp(`^${stem}${n}?${e}(\\.gz)?$`);
}

/**
 * The files of the log `base` in `dir` under `naming`, oldest first (a `.gz` before a plain file
 * of the same number: it was compressed from an older one), and the other names in the
 * directory (locks, temporaries, strays), sorted.
 *
 * @example
 * const { files } = logFiles(dir, 'log4js');
 * const check = checkLogFiles(files.map((f) => f.path), [1500, 1500]);
 */
export function logFiles(
  dir: string,
  naming: Naming,
  base = 'app.log',
): { files: LogFile[]; others: string[] } {
  const pattern = namePattern(naming, base);
  const files: LogFile[] = [];
  const others: string[] = [];
  for (const name of fs.readdirSync(dir)) {
    const m = pattern.exec(name);
    if (!m) others.push(name);
    else {
      const number = m[1] === undefined ? 0 : Number(m[1]);
      files.push({ name, path: path.join(dir, name), number, compressed: m[2] !== undefined });
    }
  }
  // winston: higher numbers are newer. The others: higher numbers are older, 0 is the newest.
  const age = (f: LogFile) =>
    naming === 'winston' ? f.number : f.number === 0 ? Number.MAX_SAFE_INTEGER : -f.number;
  files.sort((a, b) => age(a) - age(b) || Number(b.compressed) - Number(a.compressed));
  return { files, others: others.sort() };
}

/**
 * Checks a log held in one text against `expected[p]` for each producer `p`.
 *
 * @example
 * const check = checkLog(fs.readFileSync(file, 'utf8'), [2033, 2033]);
 * if (!isClean(check)) throw new Error(JSON.stringify(summary(check)));
 */
export function checkLog(
  text: string | Buffer,
  expected: readonly Expected[],
  options?: LedgerOptions,
): LogCheck {
  const ledger = new LogLedger(expected, options);
  ledger.text(text);
  return ledger.result();
}

/**
 * Checks the files of one log, read in the order given (oldest first) as one log; `.gz` files
 * are gunzipped. `sizes` are the files' uncompressed sizes, in the same order.
 */
export function checkLogFiles(
  files: readonly string[],
  expected: readonly Expected[],
  options?: LedgerOptions,
): LogCheck & { sizes: number[] } {
  const ledger = new LogLedger(expected, options);
  const sizes = files.map((f) => ledger.file(f));
  return { ...ledger.result(), sizes };
}

/** The counts that must be exact in a clean log, as one object so a failure shows them all. */
export function summary(check: LogCheck) {
  const { total, torn, foreign, duplicates, missing, outOfOrder, unexpected } = check;
  return { total, torn, foreign, duplicates, missing, outOfOrder, unexpected };
}

/** `true` when nothing was lost, torn, duplicated, reordered or unexpected. */
export function isClean(check: LogCheck): boolean {
  const { torn, duplicates, missing, outOfOrder, unexpected } = check;
  return torn + duplicates + missing + outOfOrder + unexpected === 0;
}
