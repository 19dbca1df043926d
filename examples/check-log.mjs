// The records every example logs, and the check every example runs on its log at the end.
// A record is one JSON line { p: process, s: sequence, n: pad length, pad: n copies of one
// letter chosen by s }, so a line that lost or gained bytes in the middle is caught even when it
// still parses. Framework fields around it (winston's level and message) are ignored.
// The records and the check are @fanin/core/testing's (log-records.ts, log-check.ts), the ones
// the tests and the bench use.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as testing from '@fanin/core/testing';

// The JSON around the pad ({"level":"info","message":"record","p":3,"s":1999,"n":99999,"pad":""}).
const OVERHEAD = 70;

/** Record sizes in bytes: a usual line, one over PIPE_BUF (4096), one far over a pipe's 64 KiB. */
export const SIZES = testing.SIZES;

/** The size of record `s`: mostly 100 B, every 50th 8 KB, every 500th 200 KB. */
export function sizeOf(s) {
  if (s % 500 === 499) return SIZES.large;
  if (s % 50 === 49) return SIZES.medium;
  return SIZES.small;
}

/** Record `s` of process `p`, about `bytes` long once serialized. */
export function makeRecord(p, s, bytes = sizeOf(s)) {
  return testing.makeRecord(p, s, bytes, { overhead: OVERHEAD });
}

/**
 * Checks a log (one record a line) against `expected[p]`, the number of records process `p`
 * logged (sequences 0 … expected[p] - 1). `ok` is true when every record is there whole, exactly
 * once, in order per process, and nothing else is in the log. `records` counts the distinct
 * records found, `total` the records expected.
 */
export function checkLog(text, expected) {
  const c = testing.checkLog(text, expected, { keepRecords: false });
  const { torn, foreign, duplicates, outOfOrder, unexpected, missing } = c;
  const total = expected.reduce((a, b) => a + b, 0);
  const ok = testing.isClean(c) && foreign === 0;
  return {
    records: c.total - duplicates,
    torn,
    foreign,
    duplicates,
    outOfOrder,
    unexpected,
    total,
    missing,
    ok,
  };
}

/** The texts of `names` in `dir`, concatenated in the order given (oldest file first). */
export function readFiles(dir, names) {
  return names.map((name) => fs.readFileSync(path.join(dir, name), 'utf8')).join('');
}

/**
 * Prints the check as one line, prefixed by the example's name, with `details` after it, and
 * sets a failing exit code when the check failed or `problems` (the example's own findings,
 * such as a file over its size bound) is not empty. Returns whether all was well.
 */
export function report(name, check, details = '', problems = []) {
  const { records, total, torn, foreign, duplicates, missing, outOfOrder, unexpected } = check;
  const counts = `torn ${torn}, duplicated ${duplicates}, missing ${missing}, out of order ${outOfOrder}, foreign ${foreign}, unexpected ${unexpected}`;
  const ok = check.ok && problems.length === 0;
  const tail = (details ? `; ${details}` : '') + problems.map((p) => `; PROBLEM: ${p}`).join('');
  const line = `${name}: ${ok ? 'OK' : 'FAILED'}: ${records}/${total} records whole, once, in order (${counts})${tail}`;
  if (ok) console.log(line);
  else {
    console.error(line);
    process.exitCode = 1;
  }
  return ok;
}

/**
 * A fresh temporary directory for the example's logs, named after it. The caller removes it with
 * {@link tidy} once the check passed, unless `KEEP_LOGS=1` asks to keep it for a look.
 */
export function logDir(name) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `fanin-${name}-`));
}

/** Removes `dir` when the check passed and `KEEP_LOGS` is unset; otherwise says where it is. */
export function tidy(dir, ok) {
  if (ok && !process.env.KEEP_LOGS) fs.rmSync(dir, { recursive: true, force: true });
  else console.error(`  logs kept in ${dir}`);
}

/** Fails the example with `message` (a child that crashed, a tool that failed). */
export function fail(name, message) {
  console.error(`${name}: FAILED: ${message}`);
  process.exit(1);
}
