import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkLog, summary } from '../helpers/check-log.js';
import { clusterPrimary, killPrimary, workersProgressed } from '../helpers/cluster.js';
import type { Forked } from '../helpers/processes.js';

// fanin #14: @fanin/ipc with `privateSocket: false` (batches over Node's cluster channel, no
// socket) under its faults. What it promises (ipc README, Failure modes): the writer (the
// primary) SIGKILLed: Node exits every worker, whose exit hook writes what was not acknowledged
// itself: nothing lost, records in flight at most twice (counted in `resent`); a forwarder
// SIGKILLed: what it had handed to the kernel is written, what it had not is lost with it, and
// no other process's record is touched; and nothing listens: no local process can connect.
const WORKERS = 3;
const CHANNEL = { privateSocket: false };

type Message = { kind?: string; worker?: number; [k: string]: unknown };
const kinds = (f: Forked, kind: string) => (f.messages as Message[]).filter((m) => m.kind === kind);

/** Pids of `pid`'s children (/proc/<pid>/task/<pid>/children, proc(5)). */
function childrenOf(pid: number): number[] {
  const text = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
  return text === '' ? [] : text.split(' ').map(Number);
}

/** Unix sockets `pid` listens on (its socket inodes that /proc/net/unix marks __SO_ACCEPTCON). */
function listeningUnixSockets(pid: number): string[] {
  const inodes = new Set<string>();
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    const link = (() => {
      try {
        return fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        return '';
      }
    })();
    const m = /^socket:\[(\d+)\]$/.exec(link);
    if (m) inodes.add(m[1] as string);
  }
  // Num RefCount Protocol Flags Type St Inode Path; Flags 00010000: listening.
  return fs
    .readFileSync('/proc/net/unix', 'utf8')
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f[3] === '00010000' && inodes.has(f[6] as string))
    .map((f) => f[7] ?? '(abstract)');
}

describe.skipIf(process.platform !== 'linux')(
  'fault: @fanin/ipc over the cluster channel (privateSocket: false)',
  () => {
    it('the primary (the writer) SIGKILLed: workers lose nothing, duplicates at most resent; no socket was listening', async () => {
      const c = clusterPrimary({
        ...{ workers: WORKERS, counts: '300,5,0', ending: 'forever' },
        ...{ flags: ['wait', 'pace:2'], quiet: true, options: CHANNEL },
      });
      await workersProgressed(c.primary, WORKERS);
      // The hostile-peer surface: with privateSocket false the primary offers nothing to connect to.
      expect(listeningUnixSockets(c.primary.child.pid as number)).toEqual([]);
      const { workers, check, resent } = await killPrimary(c, WORKERS);
      const seen = `${JSON.stringify(summary(check))}; resent ${resent}`;
      console.log(`ipc-channel primary kill: ${seen}`);
      expect(check.missing, seen).toBe(0);
      // The write the kill cut (Linux stops a write(2) between pages at SIGKILL) leaves at most
      // one torn line; its records are written again whole by their workers' exit hooks.
      expect(check.torn, seen).toBeLessThanOrEqual(1);
      expect(check.unexpected, seen).toBe(0);
      expect(check.duplicates, seen).toBeLessThanOrEqual(resent);
      for (const w of workers) {
        expect(w.stats.ipc.link).toBe('channel');
        expect(w.stats.dropped.total).toBe(0);
      }
    }, 60_000);

    it('a forwarder (a worker) SIGKILLed: its records in the file are a whole prefix, the others lose nothing', async () => {
      const { primary, file } = clusterPrimary({
        ...{ workers: WORKERS, counts: '3000,20,0', ending: 'close' },
        ...{ flags: ['wait', 'pace:10'], quiet: true, options: CHANNEL },
      });
      await workersProgressed(primary, 1);
      const victim = childrenOf(primary.child.pid as number)[0] as number;
      process.kill(victim, 'SIGKILL');
      // The primary reports once every worker exited, then ends by itself.
      expect(await primary.exited).toEqual({ code: 0, signal: null });
      const done = kinds(primary, 'primary-done')[0] as {
        exits: { worker: number; signal: string | null }[];
      };
      const killed = done.exits.find((e) => e.signal === 'SIGKILL')?.worker as number;
      expect(killed).toBeGreaterThan(0);
      const reports = kinds(primary, 'done') as {
        worker: number;
        records: number;
        stats: { dropped: { total: number } };
      }[];
      expect(reports.map((r) => r.worker).sort()).toEqual([1, 2, 3].filter((w) => w !== killed));

      const text = fs.readFileSync(file, 'utf8');
      const ofKilled = text.split('\n').filter((l) => l.startsWith(`{"p":${killed},`)).length;
      const expected = [0, 1, 2, 3].map((p) =>
        p === 0
          ? 0
          : p === killed
            ? ofKilled
            : (reports.find((r) => r.worker === p)?.records ?? -1),
      );
      const check = checkLog(text, expected);
      const seen = `${JSON.stringify(summary(check))}; killed worker ${killed} had ${ofKilled} in the file`;
      console.log(`ipc-channel forwarder kill: ${seen}`);
      // The killed worker's records present are exactly 0 … ofKilled-1 (a prefix), and everyone
      // else's are all there: nothing torn, nothing twice, in order.
      expect(check.missing, seen).toBe(0);
      expect(check.torn, seen).toBe(0);
      expect(check.unexpected, seen).toBe(0);
      expect(check.duplicates, seen).toBe(0);
      expect(check.outOfOrder, seen).toBe(0);
      for (const r of reports) expect(r.stats.dropped.total).toBe(0);
    }, 60_000);
  },
);
