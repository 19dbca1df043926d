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
const PROCESSES = 4;
// Per process: 100 B records, 8 KiB ones (over PIPE_BUF) and 200 KiB ones (over the writer
// thread's 64 KiB batch, but under half the 8 MiB ring, so they still go through the ring),
// shuffled: about 1.3 MB a process.
const COUNTS = { small: 2000, medium: 30, large: 3 };
const PER_PROCESS = COUNTS.small + COUNTS.medium + COUNTS.large;

describe('@fanin/async-queue: many processes, one file', () => {
  for (const mode of MODES) {
    it(`${mode}: ${PROCESSES} processes write mixed sizes through their writer threads; every record whole, once, in order`, async () => {
      const file = path.join(tempDir(), 'app.log');
      const counts = `${COUNTS.small},${COUNTS.medium},${COUNTS.large}`;
      const forked = Array.from({ length: PROCESSES }, (_, p) =>
        forkFixture('async-writer', [mode, file, String(p), counts]),
      );
      await startTogether(forked);

      await expectCleanExits(forked);
      for (const f of forked) {
        const report = reportOf(f);
        expect(report.records).toBe(PER_PROCESS);
        expect(report.stats).toMatchObject({
          records: PER_PROCESS,
          dropped: { total: 0 },
          queue: { fallbackWrites: 0, workerAlive: true },
        });
      }
      const check = checkLog(fs.readFileSync(file, 'utf8'), Array(PROCESSES).fill(PER_PROCESS));
      expectWholeLog(check, PROCESSES * PER_PROCESS);
    });
  }
});
