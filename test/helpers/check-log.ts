import { expect } from 'vitest';

/**
 * One record as the fixtures write it (test/fixtures/records.cjs): process index `p`, sequence
 * `s` (0, 1, 2 … per process), wall clock `t` (ms), and `pad`: `n` copies of one letter chosen
 * by `s`, so a record that lost or gained bytes in the middle is caught even if it still parses.
 */
export interface LogRecord {
  p: number;
  s: number;
  t: number;
  n: number;
  pad: string;
}

/** What {@link checkLog} found in one log. */
export interface LogCheck {
  /** Whole fixture records. */
  total: number;
  /** Lines that are neither a whole fixture record nor whole JSON (cut, interleaved, garbled). */
  torn: number;
  /** Whole JSON lines that are not fixture records (a loss notice, say). */
  foreign: number;
  /**
   * Empty lines: harmless, and not torn. A writer starts a batch with a newline when the file
   * does not end with one; seeing another process's write in flight costs such a line.
   */
  blank: number;
  /** Records seen more than once (each extra copy counts). */
  duplicates: number;
  /** Expected records never seen, over all processes. */
  missing: number;
  /** Records that came after a later record of the same process. */
  outOfOrder: number;
  /** Records of an unknown process, or with a sequence past the expected count. */
  unexpected: number;
  /** Times a record came from another process than the one before it: proof the writers overlapped. */
  switches: number;
  /** Per process index: records seen, missing, out of order. */
  byProcess: { records: number; missing: number; outOfOrder: number }[];
  /** The whole fixture records, in log order. */
  records: LogRecord[];
  /** The foreign lines, parsed. */
  foreignLines: unknown[];
  /** The first few torn lines, cut to 160 characters, for the failure message. */
  tornSamples: string[];
}

const PAD_LETTERS = 'abcdefghijklmnopqrstuvwxyz';

function asRecord(value: unknown): LogRecord | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const r = value as Partial<LogRecord>;
  if (!Number.isInteger(r.p) || !Number.isInteger(r.s) || typeof r.pad !== 'string') {
    return undefined;
  }
  return r as LogRecord;
}

function padIsWhole(r: LogRecord): boolean {
  const letter = PAD_LETTERS[r.s % PAD_LETTERS.length] as string;
  return r.pad.length === r.n && r.pad === letter.repeat(r.n);
}

type Line = { kind: 'record'; record: LogRecord } | { kind: 'foreign'; value: unknown } | 'torn';

function classify(line: string): Line {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return 'torn';
  }
  const record = asRecord(value);
  if (record) return padIsWhole(record) ? { kind: 'record', record } : 'torn';
  // A whole JSON object without our fields is someone else's line; anything else is a fragment.
  return typeof value === 'object' && value !== null && !('pad' in value)
    ? { kind: 'foreign', value }
    : 'torn';
}

/**
 * Parses a log of fixture records (one JSON object a line) and checks it against the counts each
 * process reported: `expected[p]` records numbered 0 … expected[p] - 1.
 *
 * @example
 * const check = checkLog(fs.readFileSync(file, 'utf8'), [2033, 2033]);
 * expectWholeLog(check, 4066);
 */
export function checkLog(text: string, expected: readonly number[]): LogCheck {
  const seen = expected.map((n) => new Uint8Array(n));
  const last = expected.map(() => -1);
  const byProcess = expected.map(() => ({ records: 0, missing: 0, outOfOrder: 0 }));
  const check: LogCheck = {
    ...{ total: 0, torn: 0, foreign: 0, duplicates: 0, missing: 0, outOfOrder: 0, unexpected: 0 },
    switches: 0,
    blank: 0,
    ...{ byProcess, records: [], foreignLines: [], tornSamples: [] },
  };
  const lines = text.split('\n');
  // A log ends with a newline; anything after the last one is a cut-off record.
  if (lines.at(-1) === '') lines.pop();
  for (const line of lines) {
    if (line === '') {
      check.blank++;
      continue;
    }
    const c = classify(line);
    if (c === 'torn') {
      check.torn++;
      if (check.tornSamples.length < 5) check.tornSamples.push(line.slice(0, 160));
    } else if (c.kind === 'foreign') {
      check.foreign++;
      check.foreignLines.push(c.value);
    } else {
      count(check, c.record, seen, last);
    }
  }
  for (const [p, flags] of seen.entries()) {
    const stats = byProcess[p] as LogCheck['byProcess'][number];
    stats.missing = flags.length - flags.reduce((sum, f) => sum + f, 0);
    check.missing += stats.missing;
  }
  return check;
}

function count(check: LogCheck, r: LogRecord, seen: Uint8Array[], last: number[]): void {
  const flags = seen[r.p];
  if (!flags || r.s >= flags.length) {
    check.unexpected++;
    return;
  }
  if (check.records.length > 0 && check.records.at(-1)?.p !== r.p) check.switches++;
  check.total++;
  check.records.push(r);
  const stats = check.byProcess[r.p] as LogCheck['byProcess'][number];
  stats.records++;
  if (flags[r.s]) {
    check.duplicates++;
    return;
  }
  flags[r.s] = 1;
  if (r.s < (last[r.p] as number)) {
    check.outOfOrder++;
    stats.outOfOrder++;
  }
  last[r.p] = Math.max(last[r.p] as number, r.s);
}

/** The counts that must be exact in every test, as one object so a failure shows them all. */
export function summary(check: LogCheck) {
  const { total, torn, foreign, duplicates, missing, outOfOrder, unexpected } = check;
  return { total, torn, foreign, duplicates, missing, outOfOrder, unexpected };
}

/**
 * Asserts that the log holds exactly `total` whole records and nothing else: none torn, none
 * foreign, none duplicated, none missing, none out of order per process.
 */
export function expectWholeLog(check: LogCheck, total: number): void {
  expect(
    summary(check),
    `torn lines: ${JSON.stringify(check.tornSamples)}; foreign: ${JSON.stringify(check.foreignLines).slice(0, 400)}`,
  ).toEqual({
    total,
    torn: 0,
    foreign: 0,
    duplicates: 0,
    missing: 0,
    outOfOrder: 0,
    unexpected: 0,
  });
}
