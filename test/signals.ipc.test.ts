import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { checkLog, summary } from './helpers/check-log.js';
import { shortTempDir } from './helpers/ipc.js';
import { forkFixture, messageOf } from './helpers/processes.js';

// ipc over a socket: a signal to a forwarder (what it has queued or in flight must reach the
// file before it dies), then to the writer.
describe('ipc socket: SIGTERM to a forwarder, then to the writer', () => {
  for (const mode of ['writer', 'winston', 'log4js'] as const) {
    it(`${mode}: both die of SIGTERM, every record either logged is in the file once`, async () => {
      const { dir } = shortTempDir();
      const file = path.join(dir, 'app.log');
      const sides = [path.join(dir, 'side0'), path.join(dir, 'side1')];
      const start = (p: number) =>
        forkFixture('signal-writer', [
          ...['ipc', mode, file, sides[p] as string, 'burst', 'none', 'SIGTERM', String(p)],
        ]);
      // The first to log 2000 records has long been elected the writer when the second starts.
      const writer = start(0);
      await messageOf(writer, 'logging');
      const forwarder = start(1);
      await messageOf(forwarder, 'logging');
      forwarder.child.kill('SIGTERM');
      expect(await forwarder.exited).toEqual({ code: null, signal: 'SIGTERM' });
      writer.child.kill('SIGTERM');
      expect(await writer.exited).toEqual({ code: null, signal: 'SIGTERM' });
      const last = sides.map((side) => Number(fs.readFileSync(side, 'utf8')));
      const check = checkLog(
        fs.readFileSync(file, 'utf8'),
        last.map((l) => l + 1),
      );
      expect(summary(check)).toMatchObject({
        ...{ total: (last[0] as number) + (last[1] as number) + 2, torn: 0, duplicates: 0 },
        ...{ missing: 0, outOfOrder: 0, unexpected: 0 },
      });
    });
  }
});

// pm2 SIGKILLs 1.6 s after its stop signal; exitTimeoutMs (the exit hook's wait for a writer's
// acknowledgements) is 2 s by default, set to 30 s here. A signal flush ends every wait within
// its 1 s budget whatever exitTimeoutMs says: the forwarder then writes what the frozen writer
// did not acknowledge itself (at least once: the writer may have written some of it already).
describe('ipc socket: the writer frozen (SIGSTOP), SIGTERM to a forwarder', () => {
  it('the forwarder writes the rest itself and dies of SIGTERM before pm2 would SIGKILL it', async () => {
    const { dir } = shortTempDir();
    const file = path.join(dir, 'app.log');
    const sides = [path.join(dir, 'side0'), path.join(dir, 'side1')];
    const start = (p: number) =>
      forkFixture(
        'signal-writer',
        ['ipc', 'writer', file, sides[p] as string, 'burst', 'none', 'SIGTERM', String(p)],
        { options: { exitTimeoutMs: 30_000 } },
      );
    const writer = start(0);
    await messageOf(writer, 'logging');
    const forwarder = start(1);
    await messageOf(forwarder, 'logging');
    await frozen(writer.child.pid as number);
    // Two more bursts: the forwarder has batches in flight that nobody acknowledges.
    const at = lastOf(sides[1] as string);
    await vi.waitUntil(() => lastOf(sides[1] as string) >= at + 4000, { timeout: 20_000 });
    const signalledAt = Date.now();
    forwarder.child.kill('SIGTERM');
    expect(await forwarder.exited).toEqual({ code: null, signal: 'SIGTERM' });
    const tookMs = Date.now() - signalledAt;
    writer.child.kill('SIGKILL');
    await writer.exited;
    expect(tookMs).toBeLessThan(1600);
    const logged = lastOf(sides[1] as string) + 1;
    const check = checkLog(fs.readFileSync(file, 'utf8'), [lastOf(sides[0] as string) + 1, logged]);
    expect(check.byProcess[1]).toMatchObject({ missing: 0, torn: 0 });
  });
});

/** The last sequence number a side file holds. */
function lastOf(side: string): number {
  return Number(fs.readFileSync(side, 'utf8'));
}

/** SIGSTOPs `pid` and resolves once the kernel shows it stopped (/proc/<pid>/stat: T, proc(5)). */
async function frozen(pid: number): Promise<void> {
  process.kill(pid, 'SIGSTOP');
  const state = () => {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  };
  await vi.waitUntil(() => state() === 'T', { timeout: 10_000, interval: 5 });
}

// A parent that runs no fanin (here: the test) never answers the child's hello; the child holds
// its records for connectTimeoutMs (3 s) before it writes them itself. A signal meanwhile: the
// signal flush writes them at once. (What no flush can save is SIGKILL in those 3 s.)
describe("ipc via 'parent' whose parent runs no fanin, SIGTERM while still connecting", () => {
  for (const mode of ['writer', 'winston'] as const) {
    it(`${mode}: every record held for the writer is written by the child; it dies of SIGTERM`, async () => {
      const { dir } = shortTempDir();
      const [file, side] = [path.join(dir, 'app.log'), path.join(dir, 'side')];
      const f = forkFixture('signal-writer', [
        ...['ipc-parent', mode, file, side, 'burst', 'none', 'SIGTERM'],
      ]);
      await messageOf(f, 'logging');
      f.child.kill('SIGTERM');
      expect(await f.exited).toEqual({ code: null, signal: 'SIGTERM' });
      const logged = lastOf(side) + 1;
      expect(summary(checkLog(fs.readFileSync(file, 'utf8'), [logged]))).toMatchObject({
        ...{ total: logged, torn: 0, duplicates: 0, missing: 0, outOfOrder: 0 },
      });
    });
  }
});
