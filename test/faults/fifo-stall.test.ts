import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/processes.js';
import { checkFaultLog, type FaultChild, forkFault, nextMessage, stopFault } from './fault-log.js';

interface Tock {
  stats: { records: number; dropped: { total: number; byReason: Record<string, number> } };
  errors: { reason: string; records: number; message: string }[];
}

// Asks the writer for a tock, answered from a timer: it arrives only if its event loop turns.
async function tick(f: FaultChild): Promise<Tock> {
  const after = f.messages.length;
  const tock = nextMessage(f, 'tock', after);
  f.child.send('tick');
  return (await tock) as unknown as Tock;
}

describe('fault: a FIFO whose reader stops reading', () => {
  it('the writer keeps its event loop turning (timers fire), drops within eagainTimeoutMs, counts and reports once, and notes the loss in the stream', async () => {
    const dir = tempDir();
    const fifo = path.join(dir, 'out.fifo');
    const made = spawnSync('mkfifo', [fifo], { encoding: 'utf8' });
    expect(made.status, made.stderr).toBe(0);
    const out = path.join(dir, 'read.log');
    const outFd = fs.openSync(out, 'w');
    // A real reader process: cat, stopped with SIGSTOP and continued with SIGCONT.
    const reader = spawn('cat', [fifo], { stdio: ['ignore', outFd, 'inherit'] });
    const readerDone = once(reader, 'exit');
    fs.closeSync(outFd);
    const options = { eagainTimeoutMs: 50, retryMinMs: 20, retryMaxMs: 100 };
    const f = forkFault('fault-writer', [fifo, 'w0', '1000,100,3000', '1'], options);
    await nextMessage(f, 'ready');
    expect((await tick(f)).stats.records).toBeGreaterThanOrEqual(0);
    reader.kill('SIGSTOP');
    // The pipe fills (64 KiB), writes get EAGAIN and are dropped after eagainTimeoutMs; all
    // the while the writer's timers keep firing.
    let stalled = await tick(f);
    while (stalled.stats.dropped.total === 0) stalled = await tick(f);
    const during = [await tick(f), await tick(f), await tick(f)];
    expect(during.at(-1)?.stats.dropped.total).toBeGreaterThanOrEqual(stalled.stats.dropped.total);
    reader.kill('SIGCONT');
    const recovered = stalled.stats.records;
    let after = await tick(f);
    while (after.stats.records <= recovered + 10) after = await tick(f);
    const report = (await stopFault(f)) as unknown as Tock & { records: number };
    await readerDone;

    const { dropped } = report.stats;
    expect(Object.keys(dropped.byReason)).toEqual(['EAGAIN']);
    // Reported once when it started, and once when it ended (the next successful write).
    const eagain = report.errors.filter((e) => e.reason === 'EAGAIN');
    expect(eagain.length).toBeGreaterThanOrEqual(1);
    expect(eagain.length).toBeLessThanOrEqual(2);
    expect(eagain[0]?.message).toMatch(/^fanin: write failed/);
    // Every record is in the stream or counted; the notices in the stream add up to the drops.
    const check = checkFaultLog(fs.readFileSync(out, 'utf8'));
    const seqs = check.seqs.get('w0') ?? [];
    expect(seqs.length + dropped.total).toBe(report.records);
    expect(check.notices.reduce((n, x) => n + x.fanin.lost, 0)).toBe(dropped.total);
    expect({ fragments: check.fragments, garbage: check.garbage }).toEqual({
      fragments: [],
      garbage: [],
    });
  }, 60_000);
});
