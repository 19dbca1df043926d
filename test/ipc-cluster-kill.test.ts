import { describe, expect, it } from 'vitest';
import { summary } from './helpers/check-log.js';
import { clusterPrimary, killPrimary, workersProgressed } from './helpers/cluster.js';

const WORKERS = 4;

describe('@fanin/ipc via cluster: the primary is killed with SIGKILL mid-run', () => {
  it(`${WORKERS} workers (exited by Node when their channel closes) lose nothing they logged`, async () => {
    // Workers log until they are stopped (a plan of 100 B and 8 KiB records, repeated, 20 every
    // 2 ms) and append what they logged to the side file at exit: their primary is gone by then.
    const c = clusterPrimary({
      ...{ workers: WORKERS, counts: '300,5,0', ending: 'forever' },
      ...{ flags: ['wait', 'pace:2'], quiet: true },
    });
    await workersProgressed(c.primary, WORKERS);
    // Each worker's exit hook writes what the dead primary had not acknowledged, then reports.
    const { workers, expected, check, resent } = await killPrimary(c, WORKERS);
    expect(workers.map((w) => w.p)).toEqual([1, 2, 3, 4]);

    const seen = `${JSON.stringify(summary(check))}; resent ${resent}; logged ${JSON.stringify(expected)}`;
    expect(check.missing, seen).toBe(0);
    // The write the kill cut (Linux stops a write(2) between pages at SIGKILL) leaves at most
    // one torn line, the dead primary's own; its records are written again whole by their
    // workers' exit hooks (missing 0 above), as in test/faults/ipc-channel.test.ts.
    expect(check.torn, seen).toBeLessThanOrEqual(1);
    expect(check.foreign, seen).toBe(0);
    expect(check.unexpected, seen).toBe(0);
    expect(check.outOfOrder, seen).toBe(0);
    // Records in flight when the primary died may be in the file twice, counted as resent.
    expect(check.duplicates, seen).toBeLessThanOrEqual(resent);
    for (const w of workers) {
      // They were killed well into their records, with the primary's help until then.
      expect(w.records).toBeGreaterThan(100);
      expect(w.stats.ipc.acked).toBeGreaterThan(0);
      expect(w.stats.dropped.total).toBe(0);
    }
  });
});
