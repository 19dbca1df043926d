import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, it } from 'vitest';
import { checkLog, expectWholeLog, type LogCheck } from './check-log.js';
import {
  expectCleanExits,
  type FixtureReport,
  forkFixture,
  reportOf,
  startTogether,
  tempDir,
} from './processes.js';

/** The three front ends every fixture of a transport package takes. */
export const MODES = ['writer', 'winston', 'log4js'] as const;
export type Mode = (typeof MODES)[number];

/**
 * `processes` copies of `fixture` (mode, file, p, counts) start together on one file and log
 * their records (small,medium,large counts); each must report every record written, with
 * `stats` matched against its stats(); the file must hold every record whole, once, in order.
 * Returns the check of the file for more assertions.
 */
export async function runTogether(
  fixture: string,
  mode: Mode,
  processes: number,
  counts: { small: number; medium: number; large: number },
  stats: Record<string, unknown> = {},
): Promise<LogCheck> {
  const perProcess = counts.small + counts.medium + counts.large;
  const file = path.join(tempDir(), 'app.log');
  const arg = `${counts.small},${counts.medium},${counts.large}`;
  const forked = Array.from({ length: processes }, (_, p) =>
    forkFixture(fixture, [mode, file, String(p), arg]),
  );
  await startTogether(forked);
  await expectCleanExits(forked);
  for (const f of forked) {
    const report: FixtureReport = reportOf(f);
    expect(report.records).toBe(perProcess);
    expect(report.stats).toMatchObject({ records: perProcess, dropped: { total: 0 }, ...stats });
  }
  const check = checkLog(fs.readFileSync(file, 'utf8'), Array(processes).fill(perProcess));
  expectWholeLog(check, processes * perProcess);
  return check;
}

/**
 * For each front end, two tests over `fixture` (mode, file, p, counts, ending): it logs
 * `records` records in one synchronous loop and ends with process.exit(0) or an uncaught
 * exception; every record must be in the file.
 */
export function endingRightAfterLogging(fixture: string, records: number, counts: string): void {
  const logThenEnd = (mode: Mode, file: string, ending: 'exit' | 'throw') =>
    forkFixture(fixture, [mode, file, '0', counts, ending], { quiet: ending === 'throw' });
  for (const mode of MODES) {
    it(`${mode}: all ${records} records logged before process.exit(0) are in the file`, async () => {
      const file = path.join(tempDir(), 'app.log');
      expect(await logThenEnd(mode, file, 'exit').exited).toEqual({ code: 0, signal: null });
      expectWholeLog(checkLog(fs.readFileSync(file, 'utf8'), [records]), records);
    });

    it(`${mode}: all ${records} records logged before an uncaught exception are in the file`, async () => {
      const file = path.join(tempDir(), 'app.log');
      const f = logThenEnd(mode, file, 'throw');
      expect(await f.exited).toEqual({ code: 1, signal: null });
      expect(f.stderr.join('')).toContain('uncaught, on purpose');
      expectWholeLog(checkLog(fs.readFileSync(file, 'utf8'), [records]), records);
    });
  }
}
