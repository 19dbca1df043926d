import { describe, expect, it } from 'vitest';
import { MODES, runTogether } from './helpers/suites.js';

const PROCESSES = 8;
// Per process: 100 B records, 8 KiB records (over PIPE_BUF) and 200 KiB ones (over a pipe's
// 64 KiB buffer and over the writer's 64 KiB batch), shuffled: about 1.3 MB a process.
const COUNTS = { small: 2000, medium: 30, large: 3 };

describe('@fanin/append-file: many processes, one file', () => {
  for (const mode of MODES) {
    it(`${mode}: ${PROCESSES} processes write mixed sizes; every record whole, once, in order`, async () => {
      const check = await runTogether('append-writer', mode, PROCESSES, COUNTS);
      // The processes really wrote at the same time: their batches alternate in the file (one
      // after another would give PROCESSES - 1 switches; 2 cores give 30 to 150).
      expect(check.switches).toBeGreaterThanOrEqual(PROCESSES * 2);
    });
  }
});
