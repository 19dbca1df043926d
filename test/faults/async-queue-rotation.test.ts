import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { summary } from '../helpers/check-log.js';
import { reportOf, tempDir } from '../helpers/processes.js';
import { checkRotated, readRotated, writeTogether } from '../helpers/rotated-files.js';

// Issue #14 item 2: 4 processes x 400 records of 100 B / 3 KB / 50 KB / 200 KB through the
// async queue, rotated at 64 KB with 2000 backups kept (so every record must still be there).
const PROCESSES = 4;
const RECORDS = 400;
const OPTIONS = { maxBytes: 65536, backups: 2000 };

// Before the fix every run had duplicates (3-8 of 1,600): one run is a regression test.
describe('fault: async-queue with size rotation across processes', () => {
  for (const run of [1]) {
    it(`run ${run}: ${PROCESSES} processes, mixed sizes up to 200 KB, 64 KB files; none lost, torn or duplicated`, async () => {
      const dir = tempDir();
      const file = path.join(dir, 'app.log');
      const mode = { mode: 'writer', options: OPTIONS };
      const forked = await writeTogether('async-rotate-mixed', mode, file, PROCESSES, RECORDS);
      // Each process wrote each of its records once, through its own writer thread to the end.
      for (const f of forked) {
        expect(reportOf(f).stats).toMatchObject({
          records: RECORDS,
          dropped: { total: 0 },
          queue: { workerAlive: true },
        });
      }
      const log = readRotated(dir, 'log4js');
      const check = checkRotated(log, Array(PROCESSES).fill(RECORDS));
      const firsts = log.files.map((f) => f.text.slice(0, 40));
      expect(summary(check), `first bytes: ${firsts.slice(0, 3)}`).toMatchObject({
        total: PROCESSES * RECORDS,
        torn: 0,
        duplicates: 0,
        missing: 0,
      });
    }, 300_000);
  }
});
