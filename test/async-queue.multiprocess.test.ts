import { describe, it } from 'vitest';
import { MODES, runTogether } from './helpers/suites.js';

const PROCESSES = 4;
// Per process: 100 B records, 8 KiB ones (over PIPE_BUF) and 200 KiB ones (over the writer
// thread's 64 KiB batch, but under half the 8 MiB ring, so they still go through the ring),
// shuffled: about 1.3 MB a process.
const COUNTS = { small: 2000, medium: 30, large: 3 };

describe('@fanin/async-queue: many processes, one file', () => {
  for (const mode of MODES) {
    it(`${mode}: ${PROCESSES} processes write mixed sizes through their writer threads; every record whole, once, in order`, async () => {
      await runTogether('async-writer', mode, PROCESSES, COUNTS, {
        queue: { fallbackWrites: 0, workerAlive: true },
      });
    });
  }
});
