import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { integrity } from './helpers/ipc-syslog.js';
import { canUnshare, endOf, type Forked, forkFixture, tempDir } from './helpers/processes.js';
import {
  type Collector,
  createCollector,
  haveRsyslog,
  readCollected,
  waitForCollected,
} from './helpers/rsyslog.js';

// SIGTERM to the primary of a cluster whose ipc writer ships to a real rsyslogd through
// @fanin/syslog (`destination`): as `docker stop` sends it (to the primary alone; and to the
// primary as PID 1 of its own PID namespace, whose exit SIGKILLs the workers), and to the primary
// and its workers at once, as a process-group kill does. The workers log until they die; each
// notes in a side file what it logged. Then a next start on the same spoolDir ships what the
// spools hold, and every record noted must be at the collector.

const WORKERS = 3;
const FIXTURES = fileURLToPath(new URL('./fixtures', import.meta.url));
// The RELP window (@fanin/syslog's default windowSize): frames in flight when a session ends.
const WINDOW = 128;

interface End {
  p: string;
  code: number | null;
  signal: string | null;
  stats: { dropped: { total: number }; ipc: { role: string; resent: number } };
  errors: { code: string; message: string }[];
}

/**
 * Forks a fixture, or (`init`) forks it as PID 1 of a new PID namespace, as the app of a
 * container started without --init (unshare forks it and waits; --kill-child: if the test kills
 * unshare, the fixture and its workers go too).
 */
function forkIn(name: string, args: string[], init: boolean): Forked {
  if (!init) return forkFixture(name, args, { quiet: true });
  const child = fork(path.join(FIXTURES, `${name}.cjs`), args, {
    execPath: 'unshare',
    execArgv: ['--pid', '--fork', '--mount-proc', '--kill-child', process.execPath],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, FANIN_TEST_OPTIONS: '{}' },
  });
  const messages: unknown[] = [];
  child.on('message', (m) => messages.push(m));
  return { child, messages, stderr: [], exited: endOf(child, 'close') };
}

/** The pid to signal: the fixture, or in a namespace unshare's only child (PID 1 inside). */
function primaryPid(f: Forked, init: boolean): number {
  const pid = f.child.pid as number;
  if (!init) return pid;
  return Number(fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim());
}

/** Resolves with the workers' pids once each logged its first 1000 records. */
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

/** What each worker noted as logged so far. */
function sidesOf(spool: string): number[] {
  const side = (k: number) => Number(fs.readFileSync(`${spool}.w${k}.side`, 'utf8'));
  return Array.from({ length: WORKERS }, (_, k) => side(k + 1));
}

/** The ends every process that ended by itself noted, and what each worker logged. */
function endsOf(spool: string): { ends: End[]; logged: Map<string, number> } {
  const ends = fs
    .readFileSync(`${spool}.ends.jsonl`, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as End);
  const logged = new Map(sidesOf(spool).map((n, k) => [`w${k + 1}`, n]));
  return { ends, logged };
}

/** A next start on the same spoolDir (one worker, one record of its own), run to its end. */
async function nextStart(target: string, spool: string, init: boolean): Promise<void> {
  const args = ['writer', target, spool, '1', '1', '50', 'close', '30000', 'next-'];
  expect(await forkIn('ipc-syslog', args, init).exited).toEqual({ code: 0, signal: null });
}

/** Per worker of the signalled run: records noted but not collected, and collected beyond. */
function account(collector: Collector, logged: Map<string, number>) {
  const got = integrity(collector);
  const seen = new Map<string, Set<number>>();
  for (const l of readCollected(collector.output)) {
    if (l.torn) continue;
    const { p, i } = JSON.parse(l.msg) as { p: string; i: number };
    const set = seen.get(p) ?? new Set<number>();
    seen.set(p, set.add(i));
  }
  const missing = [...logged].map(([p, n]) => {
    const set = seen.get(p) ?? new Set<number>();
    let m = 0;
    for (let i = 1; i <= n; i++) if (!set.has(i)) m++;
    return m;
  });
  const beyond = [...logged].map(([p, n]) => [...(seen.get(p) ?? [])].filter((i) => i > n).length);
  return { got, missing, beyond };
}

/** Copies of an earlier (w, s), per writer id. */
function duplicatesByWriter(collector: Collector): number[] {
  const seen = new Set<string>();
  const out = new Map<string, number>();
  for (const l of readCollected(collector.output)) {
    const k = `${l.w} ${l.s}`;
    if (seen.has(k)) out.set(l.w, (out.get(l.w) ?? 0) + 1);
    seen.add(k);
  }
  return [...out.values()];
}

type Kill = 'primary' | 'group' | 'init';

/**
 * Runs the cluster until every worker logs, then SIGTERMs per `kill`; in a container (`init`)
 * with the collector away, and 1000 more records of each worker logged meanwhile, so that the
 * spools (the primary's, PID 1's, first) hold what the next run must ship. Checks how the
 * primary died and what every process that ended by itself counted.
 */
async function signalled(mode: string, target: string, spool: string, c: Collector, kill: Kill) {
  const init = kill === 'init';
  const f = forkIn('ipc-syslog-signal', [mode, target, spool, String(WORKERS)], init);
  const workers = await allLogging(f);
  if (init) {
    await c.stop();
    const from = sidesOf(spool);
    const more = () => sidesOf(spool).every((n, k) => n >= (from[k] as number) + 1000);
    await vi.waitUntil(more, { timeout: 10_000, interval: 10 });
  }
  const at = Date.now();
  process.kill(primaryPid(f, init), 'SIGTERM');
  if (kill === 'group') for (const pid of workers) process.kill(pid, 'SIGTERM');
  // PID 1 gets no default action from the kernel: fanin exits with 128 + 15 instead.
  const died = init ? { code: 143, signal: null } : { code: null, signal: 'SIGTERM' };
  expect(await f.exited).toEqual(died);
  // Within the signal flush's 1 s budget, and before pm2's SIGKILL (1.6 s after its signal).
  expect(Date.now() - at).toBeLessThan(1600);
  // A cluster worker exits when its primary's channel closes (in a namespace the kernel has
  // SIGKILLed them by the time its init is reaped: their pids are not ours to see).
  if (!init) await vi.waitUntil(() => !workers.some(alive), { timeout: 10_000 });
  const { ends, logged } = endsOf(spool);
  const primary = ends.find((e) => e.p === 'primary');
  expect(primary).toMatchObject({ ...died, stats: { ipc: { role: 'writer' } } });
  // No error but the collector's outage, where it was stopped.
  const outage = (e: End['errors'][number]) => init && /collector/.test(e.message);
  expect(primary?.errors.filter((e) => !outage(e))).toEqual([]);
  if (!init) expect(ends).toHaveLength(1 + WORKERS);
  // Nothing dropped: the primary spooled what it took, a worker what it had not seen taken
  // (in a spool of its own under spoolDir).
  for (const e of ends) expect(e.stats.dropped, e.p).toMatchObject({ total: 0 });
  return { ends, logged };
}

// RELP: the collector writes a message before it acknowledges it (Direct main queue), so the
// next start's close() proves that everything arrived. tcp:// is best effort: a record counts as
// sent once the kernel took it; the collector is not stopped here, so the kernel delivers what the
// dead primary's socket held, and the spools hold the rest.
const CASES = [
  { mode: 'writer', scheme: 'relp', kill: 'primary' },
  { mode: 'winston', scheme: 'relp', kill: 'group' },
  { mode: 'writer', scheme: 'tcp', kill: 'group' },
  { mode: 'writer', scheme: 'relp', kill: 'init' },
] as const;
const WHO = {
  primary: 'the primary',
  group: 'the primary and its workers at once',
  init: 'the primary as PID 1 of a container, the collector away',
};

describe.skipIf(!haveRsyslog)(
  'SIGTERM to an ipc primary shipping to syslog (real rsyslogd)',
  () => {
    for (const { mode, scheme, kill } of CASES) {
      const init = kill === 'init';
      it.skipIf(init && !canUnshare())(
        `${mode}, ${scheme}: SIGTERM to ${WHO[kill]}: dies of it in the budget; 0 lost after the next start`,
        async () => {
          const dir = tempDir();
          const spool = path.join(dir, 'spool');
          const collector = await createCollector(dir, { input: scheme });
          await collector.start();
          const target = `${scheme}://127.0.0.1:${collector.port}`;
          const { ends, logged } = await signalled(mode, target, spool, collector, kill);
          if (init) {
            // What the collector lacks is in the spools.
            expect(account(collector, logged).missing.every((n) => n > 0)).toBe(true);
            await collector.start();
          }
          // In a namespace: the next run of the container, whose pids are the same again.
          await nextStart(target, spool, init);
          if (scheme === 'tcp') {
            // The next start ships the spools before its own record: its arrival proves theirs.
            expect(await waitForCollected(collector, '{"p":"next-w1","i":1}')).toBe(true);
          }
          const { got, missing, beyond } = account(collector, logged);
          expect(got).toMatchObject({ gaps: 0, outOfOrder: 0 });
          expect(missing).toEqual([0, 0, 0]);
          // Logged after the last note of a worker: its last turn at most.
          expect(beyond.every((n) => n <= 50)).toBe(true);
          // Copies under one (w, s): frames in flight when a writer's session ended (its process
          // died): at most one window per writer.
          expect(duplicatesByWriter(collector).every((n) => n <= WINDOW)).toBe(true);
          // Copies under another writer: only batches a worker wrote itself, unacknowledged.
          const resent = ends.reduce((n, e) => n + e.stats.ipc.resent, 0);
          expect(got.extraCopies - got.duplicates).toBeLessThanOrEqual(resent);
        },
      );
    }
  },
);
