import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { integrity } from './helpers/ipc-syslog.js';
import { expectCleanExits, type Forked, forkFixture, tempDir } from './helpers/processes.js';
import {
  type Collector,
  createCollector,
  haveRsyslog,
  waitForCollected,
} from './helpers/rsyslog.js';

// SIGTERM to the primary of a cluster whose ipc writer ships to a real rsyslogd through
// @fanin/syslog (`destination`), as `docker stop` sends it to PID 1's process; and to the
// primary and its workers at once, as a process-group kill (pm2, a shell's kill -- -pgid) does.
// The workers log until they die; each notes what it logged in a side file, synchronously.

const WORKERS = 3;

interface End {
  p: string;
  pid: number;
  code: number | null;
  signal: string | null;
  stats: {
    dropped: { total: number; byReason: Record<string, number> };
    ipc: { role: string; received: number; directWrites: number };
    syslog?: { acknowledged: number; writerId: string };
  };
  errors: { code: string; message: string }[];
}

function start(mode: string, target: string, spool: string): Forked {
  return forkFixture('ipc-syslog-signal', [mode, target, spool, String(WORKERS)], { quiet: true });
}

/** Resolves once every worker logged its first 1000 records (relayed by the primary). */
async function allLogging(f: Forked): Promise<number[]> {
  const pids = () =>
    (f.messages as { kind?: string; pid?: number }[])
      .filter((m) => m.kind === 'logging')
      .map((m) => m.pid as number);
  await vi.waitUntil(() => pids().length === WORKERS || f.child.exitCode !== null, {
    timeout: 20_000,
    interval: 20,
  });
  expect(pids()).toHaveLength(WORKERS);
  return pids();
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The ends of every process of the run (<spool>.ends.jsonl), and what each worker logged. */
function endsOf(spool: string): { ends: End[]; logged: Map<string, number> } {
  const ends = fs
    .readFileSync(`${spool}.ends.jsonl`, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as End);
  const logged = new Map<string, number>();
  for (let k = 1; k <= WORKERS; k++) {
    logged.set(`w${k}`, Number(fs.readFileSync(`${spool}.w${k}.side`, 'utf8')));
  }
  return { ends, logged };
}

/** A next start on the same spoolDir (one worker, one record of its own), run to its end. */
async function nextStart(target: string, spool: string): Promise<void> {
  const args = ['writer', target, spool, '1', '1', '50', 'close', '30000', 'next-'];
  await expectCleanExits([forkFixture('ipc-syslog', args, { quiet: true })]);
}

/** Per worker of the signalled run: records missing from the collector, and copies. */
function account(collector: Collector, logged: Map<string, number>) {
  const got = integrity(collector);
  const byP = new Map(got.workers.map((w) => [w.p, w]));
  const missing = [...logged].map(([p, n]) => n - (byP.get(p)?.unique ?? 0));
  const beyond = [...logged].map(([p, n]) => (byP.get(p)?.max ?? 0) - n);
  return { got, missing, beyond };
}

// RELP: the collector writes a message before it acknowledges it (Direct main queue), so the
// next start's close() proves that everything arrived. tcp:// is best effort: a record counts as
// sent once the kernel took it; the collector is not stopped here, so the kernel delivers what the
// dead primary's socket held, and the spools hold the rest.
const CASES = [
  { mode: 'writer', group: false, scheme: 'relp' },
  { mode: 'winston', group: true, scheme: 'relp' },
  { mode: 'writer', group: true, scheme: 'tcp' },
] as const;

describe.skipIf(!haveRsyslog)('SIGTERM to an ipc primary shipping to syslog (real rsyslogd)', () => {
  for (const { mode, group, scheme } of CASES) {
    const who = group ? 'the primary and its workers at once' : 'the primary (docker stop)';
    it(`${mode}, ${scheme}: SIGTERM to ${who}: dies of it in the budget; 0 lost after the next start`, async () => {
      const dir = tempDir();
      const spool = path.join(dir, 'spool');
      const collector = await createCollector(dir, { input: scheme });
      await collector.start();
      const target = `${scheme}://127.0.0.1:${collector.port}`;
      const f = start(mode, target, spool);
      const workers = await allLogging(f);
      const at = Date.now();
      f.child.kill('SIGTERM');
      if (group) for (const pid of workers) process.kill(pid, 'SIGTERM');
      expect(await f.exited).toEqual({ code: null, signal: 'SIGTERM' });
      const tookMs = Date.now() - at;
      // The workers end too (a cluster worker exits when its primary's channel closes).
      await vi.waitUntil(() => !workers.some(alive), { timeout: 10_000, interval: 20 });
      // Within the signal flush's 1 s budget, and before pm2's SIGKILL (1.6 s after its signal).
      expect(tookMs).toBeLessThan(1600);
      const { ends, logged } = endsOf(spool);
      const primary = ends.find((e) => e.p === 'primary') as End;
      expect(primary).toMatchObject({ signal: 'SIGTERM', errors: [] });
      expect(primary.stats.ipc.role).toBe('writer');
      expect(ends).toHaveLength(1 + WORKERS);
      // Nothing dropped anywhere: the primary spooled what it took, each worker what it had not
      // seen taken (in a spool of its own under spoolDir).
      for (const e of ends) expect(e.stats.dropped, e.p).toMatchObject({ total: 0 });
      const before = account(collector, logged).missing;
      await nextStart(target, spool);
      if (scheme === 'tcp') {
        // The next start ships the spools before its own record: its arrival proves theirs.
        expect(await waitForCollected(collector, '{"p":"next-w1","i":1}')).toBe(true);
      }
      const { got, missing, beyond } = account(collector, logged);
      expect(missing).toEqual(workers.map(() => 0));
      expect(beyond).toEqual(workers.map(() => 0));
      expect(got).toMatchObject({ gaps: 0, outOfOrder: 0 });
      // Copies under one (w, s): frames in flight when a session ended (the primary's, at its
      // death; a worker writing for itself at its end opens none): at most one window (128).
      const sessions = ends.filter((e) => (e.stats.syslog?.acknowledged ?? 0) > 0).length;
      expect(got.duplicates).toBeLessThanOrEqual(128 * sessions);
      // Copies under another writer: only batches a worker wrote itself, not acknowledged to it.
      const resent = ends.reduce((n, e) => n + e.stats.ipc.resent, 0);
      expect(got.extraCopies - got.duplicates).toBeLessThanOrEqual(resent);
      const figures = { tookMs, logged: [...logged.values()], before, resent, sessions };
      console.log(mode, scheme, group, JSON.stringify({ ...figures, ...got, workers: undefined }));
    });
  }
});
