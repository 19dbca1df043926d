import { describe } from 'vitest';
import { endingRightAfterLogging } from './helpers/suites.js';

// 50,000 records of 100 B (about 5 MB, under the default 8 MiB ring) logged in one synchronous
// loop: the writer thread gets only what it drains while the loop runs; the rest is in the ring
// when the process ends.
const RECORDS = 50_000;

describe('@fanin/async-queue: ending the process right after logging', () => {
  endingRightAfterLogging('async-crash-writer', RECORDS, `${RECORDS},0,0`);
});
