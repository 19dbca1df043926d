import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/processes.js';
import { stalledReader } from '../helpers/stalled-reader.js';
import { checkFaultLog, type FaultChild, forkFault, nextMessage, stopFault } from './fault-log.js';

interface Tock {
  stats: {
    records: number;
    dropped: { total: number; byReason: Record<string, number> };
    queueDepth: number;
  };
  errors: { reason: string; records: number; message: string }[];
}

// Asks the writer for a tock, answered from a timer: it arrives only if its event loop turns.
async function tick(f: FaultChild): Promise<Tock> {
  const tock = nextMessage(f, 'tock', f.messages.length);
  f.child.send('tick');
  return (await tock) as unknown as Tock;
}

// fanin #14: async-queue writing to a FIFO whose reader stops (SIGSTOP). The writer thread meets
// the full pipe; the application's thread must not: it goes on logging into the ring (64 KiB
// here), and once the ring is full whenFull 'drop' applies, counted. When the reader resumes,
// every record not counted as dropped arrives whole, in order, and the drops are noted.
describe('fault: async-queue to a FIFO whose reader stops', () => {
  it('the app keeps turning, the ring fills and drops are counted, then everything else arrives whole', async () => {
    const dir = tempDir();
    const reader = await stalledReader(path.join(dir, 'out.fifo'), path.join(dir, 'read.log'));
    const options = {
      ...{ transport: 'async', capacityBytes: 64 * 1024, whenFull: 'drop' },
      ...{ eagainTimeoutMs: 50, retryMinMs: 20, retryMaxMs: 100 },
    };
    const f = forkFault('fault-writer', [reader.fifo, 'w0', '1000,100,3000', '1'], options);
    await nextMessage(f, 'ready');
    await tick(f);
    await reader.stall();
    // The pipe (64 KiB) and then the ring fill; the writer's timers keep firing all the while.
    let stalled = await tick(f);
    while (stalled.stats.dropped.total === 0) stalled = await tick(f);
    // Logging goes on while the reader is stopped (the app is not blocked): ticks until the
    // count of records logged (written or dropped) moves on — a blocked app would not answer.
    const logged = (t: Tock) => t.stats.dropped.total + t.stats.records;
    const first = await tick(f);
    let later = await tick(f);
    while (logged(later) <= logged(first)) later = await tick(f);
    reader.resume();
    let after = await tick(f);
    while (after.stats.records <= later.stats.records + 10) after = await tick(f);
    const report = (await stopFault(f)) as unknown as Tock & { records: number };
    const check = checkFaultLog((await reader.finish()).toString('utf8'));

    const { dropped } = report.stats;
    const seqs = check.seqs.get('w0') ?? [];
    console.log(
      `async-queue-fifo: ${JSON.stringify({
        records: report.records,
        written: seqs.length,
        dropped: dropped.byReason,
        reports: report.errors.map((e) => e.reason),
      })}`,
    );
    expect(logged(later)).toBeGreaterThan(logged(first));
    for (const reason of Object.keys(dropped.byReason)) {
      expect(['queue-full', 'EAGAIN']).toContain(reason);
    }
    // Every record is in the stream, whole and in order, or counted; the notices add up.
    expect({ fragments: check.fragments, garbage: check.garbage, dup: check.duplicates }).toEqual({
      fragments: [],
      garbage: [],
      dup: 0,
    });
    expect(seqs.length + dropped.total).toBe(report.records);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(check.notices.reduce((n, x) => n + x.fanin.lost, 0)).toBe(dropped.total);
    // Reported once when it started and once when it ended, not per record.
    expect(report.errors.length).toBeLessThanOrEqual(4);
  }, 60_000);
});
