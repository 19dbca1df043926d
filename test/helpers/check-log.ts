// The test suite's view of the one log checker in @fanin/core/testing (log-check.ts): the same
// counts, records typed as the fixtures write them, and the assertion every test makes.
import {
  type LogCheck as CoreLogCheck,
  checkLog as coreCheckLog,
  type Expected,
  summary,
} from '@fanin/core/testing';
import { expect } from 'vitest';

export { summary };

/**
 * One record as the fixtures write it (test/fixtures/records.cjs, makeRecord of
 * @fanin/core/testing with `time`): process index `p`, sequence `s`, wall clock `t` (ms), and
 * `pad`: `n` copies of one letter chosen by `s`.
 */
export interface LogRecord {
  p: number;
  s: number;
  t: number;
  n: number;
  pad: string;
}

/** What {@link checkLog} found in one log: @fanin/core/testing's LogCheck, records typed. */
export type LogCheck = Omit<CoreLogCheck, 'records'> & { records: LogRecord[] };

/**
 * Parses a log of fixture records (one JSON object a line) and checks it against the counts each
 * process reported: `expected[p]` records numbered 0 … expected[p] - 1.
 *
 * @example
 * const check = checkLog(fs.readFileSync(file, 'utf8'), [2033, 2033]);
 * expectWholeLog(check, 4066);
 */
export function checkLog(text: string | Buffer, expected: readonly Expected[]): LogCheck {
  return coreCheckLog(text, expected) as LogCheck;
}

/**
 * Asserts that the log holds exactly `total` whole records and nothing else: none torn, none
 * foreign, none duplicated, none missing, none out of order per process.
 */
export function expectWholeLog(check: CoreLogCheck, total: number): void {
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

/**
 * Asserts what a log that is allowed to lose records still promises (retention deleted a file,
 * logrotate's copytruncate cut a window): none torn, none foreign, none duplicated, none out of
 * order per process. Returns how many are missing, for the test to bound or report.
 *
 * @example
 * const missing = expectOnlyMissing(checkRotated(log, expected));
 */
export function expectOnlyMissing(check: CoreLogCheck): number {
  const { missing, ...exact } = summary(check);
  expect(exact, JSON.stringify(check.tornSamples)).toEqual({
    total: check.total,
    torn: 0,
    foreign: 0,
    duplicates: 0,
    outOfOrder: 0,
    unexpected: 0,
  });
  return missing;
}
