// The integrity check of a row's log file: every line parsed and every record of every process
// accounted for, by the one log checker the tests and the examples use (@fanin/core/testing,
// log-check.ts), in the bench's own names and with the size bound of a rotated log.

import * as path from 'node:path';
import { checkLogFiles, logFiles } from '@fanin/core/testing';

// The bench's names for the checker's counts (its results files keep them):
// - torn: a line that does not parse as JSON (two records interleaved, a record cut short), or
//   bytes after a file's last newline;
// - lost: records of a process that never appear whole;
// - dup: a record that appears again;
// - outOfOrder: a record that appears after a later record of the same process;
// - other: whole JSON lines that are not records (a loss notice, say), or records of no process.
function inBenchTerms(c) {
  return {
    lines: c.lines,
    records: c.total - c.duplicates,
    torn: c.torn,
    lost: c.missing,
    dup: c.duplicates,
    outOfOrder: c.outOfOrder,
    other: c.foreign + c.unexpected,
    size: c.bytes,
  };
}

/** Checks `file` against what each process logged (`logged[p]` records, numbered 0…n-1). */
export function checkLog(file, logged) {
  return inBenchTerms(checkLogFiles([file], logged, { keepRecords: false }));
}

/**
 * The files of a rotated log in `dir`, oldest first, as each naming gives them (see
 * packages/core/src/rotation-naming.ts), and the other names in the directory (`strays`):
 * - 'log4js': `bench.log` is the active file, `bench.log.1` the newest backup, then `.2`, …
 * - 'winston' (winston File without `tailable`): `bench.log` is the oldest, then `bench1.log`,
 *   `bench2.log`, …; the highest number is the active file.
 */
export function rotatedFiles(dir, base, naming) {
  const { files, others } = logFiles(dir, naming, path.basename(base));
  return { files: files.map((f) => f.path), strays: others };
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
  const c = checkLogFiles(files, logged, { keepRecords: false });
  const limit = oversizeLimit(maxBytes, procs, c.longest);
  return {
    ...inBenchTerms(c),
    files: files.length,
    largestFile: Math.max(0, ...c.sizes),
    maxBytes,
    limit,
    oversize: c.sizes.filter((size) => size > limit).length,
    strays,
  };
}

/** `true` when nothing was lost, torn, duplicated or reordered. */
export const isClean = (r) => r.lost + r.torn + r.dup + r.outOfOrder === 0;
