import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkLog, expectWholeLog } from './helpers/check-log.js';
import {
  expectCleanExits,
  forkFixture,
  reportOf,
  startTogether,
  tempDir,
} from './helpers/processes.js';

const MODES = ['writer', 'winston', 'log4js'] as const;
const PROCESSES = 8;
// Per process: 100 B records, 8 KiB records (over PIPE_BUF) and 200 KiB ones (over a pipe's
// 64 KiB buffer and over the writer's 64 KiB batch), shuffled: about 1.3 MB a process.
const COUNTS = { small: 2000, medium: 30, large: 3 };
const PER_PROCESS = COUNTS.small + COUNTS.medium + COUNTS.large;

describe('@fanin/append-file: many processes, one file', () => {
  for (const mode of MODES) {
    it(`${mode}: ${PROCESSES} processes write mixed sizes; every record whole, once, in order`, async () => {
      const file = path.join(tempDir(), 'app.log');
      const counts = `${COUNTS.small},${COUNTS.medium},${COUNTS.large}`;
      const forked = Array.from({ length: PROCESSES }, (_, p) =>
        forkFixture('append-writer', [mode, file, String(p), counts]),
      );
      await startTogether(forked);

      await expectCleanExits(forked);
      for (const f of forked) {
        const report = reportOf(f);
        expect(report.records).toBe(PER_PROCESS);
        expect(report.stats).toMatchObject({ records: PER_PROCESS, dropped: { total: 0 } });
      }
      const check = checkLog(fs.readFileSync(file, 'utf8'), Array(PROCESSES).fill(PER_PROCESS));
      expectWholeLog(check, PROCESSES * PER_PROCESS);
      // The processes really wrote at the same time: their batches alternate in the file (one
      // after another would give PROCESSES - 1 switches; 2 cores give 30 to 150).
      expect(check.switches).toBeGreaterThanOrEqual(PROCESSES * 2);
    });
  }
});
