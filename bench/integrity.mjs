// The integrity check of a row's log file: read it line by line, parse every line, and account
// for every record of every process (the same promises test/ checks, counted instead of asserted).

import * as fs from 'node:fs';
import * as path from 'node:path';

const CHUNK = 4 * 1024 * 1024;
const NL = 0x0a;

// Calls onLine(buffer) for each '\n'-terminated line; returns the file's size and the bytes after
// the last '\n'.
function forEachLine(file, onLine) {
  const fd = fs.openSync(file, 'r');
  const chunk = Buffer.allocUnsafe(CHUNK);
  let carry = Buffer.alloc(0);
  let size = 0;
  try {
    let n = fs.readSync(fd, chunk, 0, CHUNK, null);
    while (n > 0) {
      size += n;
      const data =
        carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, n)]) : chunk.subarray(0, n);
      let start = 0;
      let end = data.indexOf(NL, start);
      while (end >= 0) {
        onLine(data.subarray(start, end));
        start = end + 1;
        end = data.indexOf(NL, start);
      }
      carry = Buffer.from(data.subarray(start));
      n = fs.readSync(fd, chunk, 0, CHUNK, null);
    }
  } finally {
    fs.closeSync(fd);
  }
  return { size, trailing: carry.length };
}

const XS = Buffer.alloc(256 * 1024, 'x');
const QUOTE = 0x22;

// Reads a decimal integer at buf[at…]; returns [value, next index] or undefined.
function digits(buf, at) {
  let v = 0;
  let i = at;
  for (; i < buf.length && buf[i] >= 0x30 && buf[i] <= 0x39; i++) v = v * 10 + buf[i] - 0x30;
  return i === at || i - at > 15 ? undefined : [v, i];
}

const startsAt = (buf, at, text) => buf.latin1Slice(at, at + text.length) === text;

// The shape the framework-free subjects and log4js's %m write: {"p":P,"s":S,"pad":"xx…x"}.
// Such a line is valid JSON, so it is read here without JSON.parse (3× faster on 100 B lines);
// any other line (winston's, a loss notice, a torn one) goes through JSON.parse.
function fastRecord(buf) {
  if (!startsAt(buf, 0, '{"p":')) return undefined;
  const p = digits(buf, 5);
  if (!p || !startsAt(buf, p[1], ',"s":')) return undefined;
  const s = digits(buf, p[1] + 5);
  if (!s || !startsAt(buf, s[1], ',"pad":"')) return undefined;
  const from = s[1] + 8;
  const to = buf.length - 2;
  if (to < from || buf[to] !== QUOTE || buf[to + 1] !== 0x7d || to - from > XS.length) {
    return undefined;
  }
  return buf.compare(XS, 0, to - from, from, to) === 0 ? { p: p[0], s: s[0] } : undefined;
}

function parse(buf) {
  const fast = fastRecord(buf);
  if (fast) return fast;
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch {
    return undefined;
  }
}

// The account of one log (one file, or a rotated set read oldest first): every record of every
// process (logged[p] of them, numbered 0…n-1) ticked off as its line is read.
function ledger(logged) {
  const seen = logged.map((n) => new Uint8Array(n));
  const highest = logged.map(() => -1);
  const r = { lines: 0, records: 0, torn: 0, lost: 0, dup: 0, outOfOrder: 0, other: 0, size: 0 };
  let longest = 0;
  const onLine = (buf) => {
    r.lines++;
    if (buf.length + 1 > longest) longest = buf.length + 1;
    // An empty line is not torn: a writer starts a batch on a new line when the file does not
    // end with one (core's file target), which a write in flight can cost.
    if (buf.length === 0) return void r.other++;
    const rec = parse(buf);
    if (rec === undefined) return void r.torn++;
    const { p, s } = rec;
    if (!Number.isInteger(p) || !Number.isInteger(s) || !(s >= 0 && s < (logged[p] ?? 0))) {
      return void r.other++;
    }
    if (seen[p][s]) return void r.dup++;
    seen[p][s] = 1;
    r.records++;
    if (s < highest[p]) r.outOfOrder++;
    else highest[p] = s;
  };
  return {
    /** Reads one file into the account; returns its size. */
    read: (file) => {
      const { size, trailing } = forEachLine(file, onLine);
      r.size += size;
      if (trailing > 0) r.torn++; // a file that ends inside a line: cut short
      return size;
    },
    /** The counts so far, with lost = records never seen whole; `longest` line, newline included. */
    result: () => ({ ...r, lost: logged.reduce((sum, n) => sum + n, 0) - r.records, longest }),
  };
}

/**
 * Checks `file` against what each process logged (`logged[p]` records, numbered 0…n-1).
 * - torn: a line that does not parse as JSON (two records interleaved, a record cut short), or
 *   bytes after the last newline;
 * - lost: records of a process that never appear whole;
 * - dup: a record that appears again;
 * - outOfOrder: a record that appears after a later record of the same process;
 * - other: whole JSON lines that are not records (a loss notice, say).
 */
export function checkLog(file, logged) {
  const account = ledger(logged);
  account.read(file);
  const { longest: _longest, ...r } = account.result();
  return r;
}

// The number `name` has among the files of the log `base` under `naming`: 0 for the base name,
// undefined for a name that is not one of the log's files (a lock file, say).
function numberIn(name, base, naming) {
  if (name === base) return 0;
  const ext = path.extname(base);
  const stem = path.basename(base, ext);
  let digits = '';
  if (naming === 'log4js' && name.startsWith(`${base}.`)) digits = name.slice(base.length + 1);
  if (naming === 'winston' && name.startsWith(stem) && name.endsWith(ext)) {
    digits = name.slice(stem.length, name.length - ext.length);
  }
  return /^[1-9]\d{0,8}$/.test(digits) ? Number(digits) : undefined;
}

/**
 * The files of a rotated log in `dir`, oldest first, as each naming gives them (see
 * packages/core/src/rotation-naming.ts), and the other names in the directory (`strays`):
 * - 'log4js': `bench.log` is the active file, `bench.log.1` the newest backup, then `.2`, …
 * - 'winston' (winston File without `tailable`): `bench.log` is the oldest, then `bench1.log`,
 *   `bench2.log`, …; the highest number is the active file.
 */
export function rotatedFiles(dir, base, naming) {
  const files = [];
  const strays = [];
  for (const name of fs.readdirSync(dir)) {
    const number = numberIn(name, path.basename(base), naming);
    if (number === undefined) strays.push(name);
    else files.push({ name, number });
  }
  const age = (f) =>
    naming === 'winston' ? f.number : f.number === 0 ? Number.MAX_SAFE_INTEGER : -f.number;
  files.sort((a, b) => age(a) - age(b));
  return { files: files.map((f) => path.join(dir, f.name)), strays: strays.sort() };
}

/**
 * The size over which a rotated file counts as oversize: the larger of 1.5 × maxBytes and
 * fanin's documented bound, maxBytes + (P − 1) × max(one batch, the largest record), taking
 * 64 KiB (the largest batch fanin picks under rotation) and the log's longest line.
 */
export function oversizeLimit(maxBytes, procs, longest) {
  return maxBytes + Math.max(maxBytes / 2, (procs - 1) * Math.max(64 * 1024, longest));
}

/**
 * Checks a size-rotated log: all its files (`rotatedFiles`), read oldest first as one log, with
 * the counts of checkLog, plus `files` (how many), `largestFile` (bytes), `limit`
 * (oversizeLimit) and `oversize` (files larger than the limit), and `strays`.
 */
export function checkRotatedLog(file, naming, logged, { maxBytes, procs }) {
  const { files, strays } = rotatedFiles(path.dirname(file), file, naming);
  const account = ledger(logged);
  const sizes = files.map((f) => account.read(f));
  const { longest, ...r } = account.result();
  const limit = oversizeLimit(maxBytes, procs, longest);
  return {
    ...r,
    files: files.length,
    largestFile: Math.max(0, ...sizes),
    maxBytes,
    limit,
    oversize: sizes.filter((size) => size > limit).length,
    strays,
  };
}

/** `true` when nothing was lost, torn, duplicated or reordered. */
export const isClean = (r) => r.lost + r.torn + r.dup + r.outOfOrder === 0;
