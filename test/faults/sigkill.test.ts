import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/processes.js';
import { expectSurvivorsWhole, killWriters } from './kill-writers.js';

// 100 B .. 200 KB: small records, batches of them over a page, and records of many pages.
// Half the records of many pages: the more time in write(2), the more kills cut one.
const SIZE_LIST = [200_000, 100, 200_000, 8000, 200_000, 300, 64_000, 200_000, 1000, 200_000].join(
  ',',
);
const KILL_FOR_MS = 10_000;
// The writers' own options: FANIN_SIGKILL_BATCH raises batchBytes to measure the residual race
// (see the README: fewer, longer writes, so more of them are cut).
const OPTIONS = process.env.FANIN_SIGKILL_BATCH
  ? { batchBytes: Number(process.env.FANIN_SIGKILL_BATCH), minWriteIntervalMs: 5 }
  : {};

describe('fault: SIGKILL of append-file writers', () => {
  it("4 writers of 100 B .. 200 KB killed and restarted for 10 s: no survivor's record damaged, only a killed writer's own last record torn", async () => {
    const file = path.join(tempDir(), 'app.log');
    const r = await killWriters({
      file,
      sizes: SIZE_LIST,
      durationMs: KILL_FOR_MS,
      options: OPTIONS,
    });
    // The residual race (core README, "A writer killed in the middle of a write"): a write that
    // starts after a writer's tail check and is cut before that writer's own write lands glues
    // that writer's next record onto the cut. Measured 0 in 7 runs (138 kills); 1 in each of two
    // runs of 39 and 44 kills: bounded here by the cuts, never more than one record a cut.
    expectSurvivorsWhole('sigkill', r);
    expect(r.killed.size).toBeGreaterThanOrEqual(10);
  }, 90_000);
});
