import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { integrity } from './helpers/ipc-syslog.js';
import {
  expectCleanExits,
  type Forked,
  forkFixture,
  reportOf,
  tempDir,
} from './helpers/processes.js';
import { createCollector, haveRsyslog } from './helpers/rsyslog.js';

// @fanin/ipc `via: { socket }` with a @fanin/syslog destination: unrelated processes elect the
// one that holds the RELP session; when it is SIGKILLed, a survivor takes over the election,
// the session, and the dead writer's spool (a real rsyslogd, imrelp, Direct main queue).

interface Logged {
  kind: 'logged';
  n: number;
  role: string;
}
interface Stats {
  dropped: { total: number };
  ipc: { role: string; resent: number };
  syslog?: { adopted: number; resent: number; writerId: string };
}

function peer(
  socket: string,
  port: number,
  spool: string,
  id: string,
  count: number,
  ending: string,
) {
  const args = [
    'winston',
    socket,
    `relp://127.0.0.1:${port}`,
    spool,
    id,
    String(count),
    '20',
    ending,
  ];
  return forkFixture('ipc-syslog-peer', args, { quiet: true });
}

/** Resolves with the newest 'logged' report once `ok` holds for it. */
function reported(f: Forked, ok: (m: Logged) => boolean): Promise<Logged> {
  const last = () => f.messages.filter((m) => (m as Logged).kind === 'logged').at(-1) as Logged;
  return new Promise((resolve, reject) => {
    const check = () => {
      const m = last();
      if (!m || !ok(m)) return;
      f.child.off('message', check);
      resolve(m);
    };
    f.child.on('message', check);
    f.child.once('exit', () => reject(new Error('exited before the report')));
    check();
  });
}

describe.skipIf(!haveRsyslog)('@fanin/ipc via socket, syslog destination, real rsyslogd', () => {
  it('the writer SIGKILLed: a forwarder takes over the session and ships the dead spool', async () => {
    const dir = tempDir();
    const spool = path.join(dir, 'spool');
    const socket = path.join(dir, 'log.sock');
    const collector = await createCollector(dir);
    await collector.start();
    const a = peer(socket, collector.port, spool, 'a', 1e9, 'hang');
    await reported(a, (m) => m.role === 'writer' && m.n >= 200);
    const b = peer(socket, collector.port, spool, 'b', 6000, 'close');
    await reported(b, (m) => m.role === 'forwarder' && m.n >= 1500);
    a.child.kill('SIGKILL');
    await a.exited;
    // What the killed writer had in its spool when it reported (its own records, so far).
    const spooled = ((a.messages as Logged[]).filter((m) => m.kind === 'logged').at(-1) as Logged)
      .n;
    await expectCleanExits([b]);
    const stats = (reportOf(b) as unknown as { stats: Stats }).stats;
    expect(stats.ipc.role).toBe('writer');
    expect(stats.syslog?.adopted).toBe(1);
    expect(stats.dropped.total).toBe(0);
    const got = integrity(collector);
    const [ofA, ofB] = got.workers;
    // Every record of the survivor; the killed writer's, up to what it had spooled, no gaps.
    expect(ofB).toEqual({ p: 'b', unique: 6000, max: 6000 });
    expect(ofA?.p).toBe('a');
    expect(ofA?.max).toBeGreaterThanOrEqual(spooled);
    expect(ofA?.unique).toBe(ofA?.max);
    expect(got).toMatchObject({ gaps: 0, outOfOrder: 0 });
    // Two syslog writers in all. Copies under another writer id: only batches the survivor
    // resent to itself (the dead writer had spooled them, unacknowledged). Copies under the same
    // (w, s): what the collector acknowledged after the dead writer last saved its cursor
    // (every 200 ms), shipped again from its spool — identifiable, as at-least-once allows.
    expect(got.writerIds).toHaveLength(2);
    expect(got.extraCopies - got.duplicates).toBeLessThanOrEqual(stats.ipc.resent);
  });
});
