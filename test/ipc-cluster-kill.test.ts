import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { checkLog, summary } from './helpers/check-log.js';
import { shortTempDir, workersGone } from './helpers/ipc.js';
import { forkFixture, whileAlive } from './helpers/processes.js';

const WORKERS = 4;

describe('@fanin/ipc via cluster: the primary is killed with SIGKILL mid-run', () => {
  it(`${WORKERS} workers (exited by Node when their channel closes) lose nothing they logged`, async () => {
    const { dir } = shortTempDir();
    const file = path.join(dir, 'app.log');
    const side = path.join(dir, 'workers.jsonl');
    // Workers log until they are stopped (a plan of 100 B and 8 KiB records, repeated, 20 every
    // 2 ms) and append what they logged to the side file at exit: their primary is gone by then.
    const primary = forkFixture(
      'ipc-cluster',
      ['writer', file, String(WORKERS), '300,5,0', 'forever', side, 'wait', 'pace:2'],
      { quiet: true },
    );
    await whileAlive(
      [primary],
      vi.waitFor(
        () => {
          const progressed = new Set(
            primary.messages
              .filter((m) => (m as { kind?: string }).kind === 'progress')
              .map((m) => (m as { worker: number }).worker),
          );
          expect(progressed.size).toBe(WORKERS);
        },
        { timeout: 20_000, interval: 5 },
      ),
    );
    primary.child.kill('SIGKILL');
    expect(await primary.exited).toEqual({ code: null, signal: 'SIGKILL' });

    // Each worker's exit hook writes what the dead primary had not acknowledged, then reports.
    const workers = await workersGone(side, WORKERS);
    expect(workers.map((w) => w.p)).toEqual([1, 2, 3, 4]);

    const expected = [0, ...workers.map((w) => w.records)];
    const check = checkLog(fs.readFileSync(file, 'utf8'), expected);
    const resent = workers.reduce((n, w) => n + w.stats.ipc.resent, 0);
    const seen = `${JSON.stringify(summary(check))}; resent ${resent}; logged ${JSON.stringify(expected)}`;
    expect(check.missing, seen).toBe(0);
    expect(check.torn, seen).toBe(0);
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
