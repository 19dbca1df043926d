import * as fs from 'node:fs';
import * as path from 'node:path';
import { FaninOptionError } from '@fanin/core';
import { createIpcWriter } from '@fanin/ipc';
import { describe, expect, it } from 'vitest';
import { countingRelay, integrity } from './helpers/ipc-syslog.js';
import {
  expectCleanExits,
  type Forked,
  forkFixture,
  messageOf,
  tempDir,
} from './helpers/processes.js';
import { type Collector, createCollector, haveRsyslog, outage } from './helpers/rsyslog.js';

// @fanin/ipc with `destination: @fanin/syslog`: cluster workers forward to the primary, whose
// one syslog writer holds the one RELP session to a real rsyslogd (imrelp, Direct main queue:
// an acknowledgement means the message is in the output file).

const WORKERS = 3;

interface Stats {
  records: number;
  dropped: { total: number };
  ipc: { role: string; received: number; forwarded: number; acked: number; directWrites: number };
  syslog?: { acknowledged: number; resent: number; reconnects: number; writerId: string };
}
interface PrimaryDone {
  stats: Stats;
  errors: { code: string; message: string }[];
  exits: { code: number | null }[];
}

type Mode = 'writer' | 'winston' | 'log4js' | 'threads';

/** A cluster of WORKERS workers, each logging `count` records, shipping to `port`. */
function cluster(
  mode: Mode,
  port: number,
  spool: string,
  count: number,
  o: {
    perTurn?: number;
    ending?: 'close' | 'exit';
    closeMs?: number;
    tag?: string;
    options?: Record<string, unknown>;
  } = {},
): Forked {
  const args = [mode, `relp://127.0.0.1:${port}`, spool, String(WORKERS), String(count)];
  args.push(String(o.perTurn ?? 50), o.ending ?? 'close', String(o.closeMs ?? 30_000), o.tag ?? '');
  return forkFixture('ipc-syslog', args, { quiet: true, options: o.options ?? {} });
}

function allArrived(count: number) {
  return Array.from({ length: WORKERS }, (_, k) => ({ p: `w${k + 1}`, unique: count, max: count }));
}

/**
 * A next start on `spool` (one record a worker, tagged `next-`) ships what the last run left:
 * at the collector every worker's `count` records and the new ones, each once, no gap.
 */
async function nextStartShipsAll(collector: Collector, spool: string, count: number) {
  const next = cluster('writer', collector.port, spool, 1, { tag: 'next-' });
  await expectCleanExits([next]);
  const got = integrity(collector);
  const ones = ['next-w1', 'next-w2', 'next-w3'].map((p) => ({ p, unique: 1, max: 1 }));
  expect(got.workers).toEqual([...ones, ...allArrived(count)]);
  expect(got).toMatchObject({ duplicates: 0, extraCopies: 0, gaps: 0, outOfOrder: 0 });
  return got;
}

/** Resolves once the workers together reported at least `n` records logged. */
function logged(f: Forked, n: number): Promise<void> {
  const total = () => {
    const last = new Map<number, number>();
    for (const m of f.messages as { kind?: string; n?: number; worker?: number }[]) {
      if (m.kind === 'logged') last.set(m.worker as number, m.n as number);
    }
    return [...last.values()].reduce((a, b) => a + b, 0);
  };
  return new Promise((resolve, reject) => {
    const check = () => {
      if (total() < n) return;
      f.child.off('message', check);
      resolve();
    };
    f.child.on('message', check);
    f.child.once('exit', () =>
      total() >= n ? resolve() : reject(new Error(`exited at ${total()}`)),
    );
  });
}

describe.skipIf(!haveRsyslog)('@fanin/ipc with a @fanin/syslog destination, real rsyslogd', () => {
  const cases: [Mode, 'close' | 'exit'][] = [
    ['winston', 'close'],
    ['log4js', 'exit'],
    ['threads', 'exit'],
  ];
  for (const [mode, ending] of cases) {
    it(`3 workers of 1000 records (${mode}, ${ending}) → one writer → one RELP session, every record once`, async () => {
      const dir = tempDir();
      const collector = await createCollector(dir);
      await collector.start();
      const relay = await countingRelay(collector.port);
      const f = cluster(mode, relay.port, path.join(dir, 'spool'), 1000, { ending });
      await expectCleanExits([f]);
      const done = (await messageOf(f, 'primary-done')) as PrimaryDone;
      expect(done.exits.map((e) => e.code)).toEqual([0, 0, 0]);
      expect(done.errors).toEqual([]);
      expect(done.stats.ipc.role).toBe('writer');
      expect(done.stats.ipc.received).toBe(WORKERS * 1000);
      expect(done.stats.syslog).toMatchObject({
        acknowledged: WORKERS * 1000,
        reconnects: 0,
        resent: 0,
      });
      expect(done.stats.dropped.total).toBe(0);
      const got = integrity(collector);
      expect(got.workers).toEqual(allArrived(1000));
      expect(got).toMatchObject({ duplicates: 0, extraCopies: 0, gaps: 0, outOfOrder: 0 });
      // One syslog writer (one w) for the whole cluster, over one connection.
      expect(got.writerIds).toEqual([done.stats.syslog?.writerId]);
      expect(relay.connections()).toBe(1);
      if (ending === 'close') {
        for (const m of f.messages as { kind?: string; stats?: Stats }[]) {
          if (m.kind !== 'done') continue;
          // A worker forwarded everything and shipped nothing itself.
          expect(m.stats?.syslog).toBeUndefined();
          expect(m.stats?.ipc).toMatchObject({ role: 'forwarder', acked: 1000, directWrites: 0 });
        }
      }
    });
  }

  it('loses nothing when rsyslogd is SIGKILLed mid-run and restarted 0.5 s later', async () => {
    const dir = tempDir();
    const collector = await createCollector(dir);
    await collector.start();
    const f = cluster('winston', collector.port, path.join(dir, 'spool'), 6000, { perTurn: 25 });
    await logged(f, 3000);
    // The outage under test: the collector is away for half a second.
    await outage(collector, 'SIGKILL', 500);
    await expectCleanExits([f]);
    const done = (await messageOf(f, 'primary-done')) as PrimaryDone;
    const syslog = done.stats.syslog as NonNullable<Stats['syslog']>;
    const got = integrity(collector);
    expect(got.workers).toEqual(allArrived(6000));
    expect(got).toMatchObject({ gaps: 0, outOfOrder: 0 });
    expect(got.writerIds).toEqual([syslog.writerId]);
    expect(syslog.reconnects).toBeGreaterThanOrEqual(1);
    // At-least-once: copies only of frames unacknowledged at the loss, counted as resent.
    expect(got.duplicates).toBeLessThanOrEqual(Math.min(syslog.resent, 128 * syslog.reconnects));
    expect(done.stats.dropped.total).toBe(0);
  });

  it("ships on the next start what the writer's spool held when it closed during an outage", async () => {
    const dir = tempDir();
    const spool = path.join(dir, 'spool');
    const collector = await createCollector(dir);
    // Collector absent: the primary closes with records in its spool (deadline 300 ms).
    const first = cluster('writer', collector.port, spool, 500, { ending: 'exit', closeMs: 300 });
    await expectCleanExits([first]);
    const done = (await messageOf(first, 'primary-done')) as PrimaryDone;
    expect(done.stats.ipc.received).toBe(WORKERS * 500);
    expect(done.stats.syslog?.acknowledged).toBe(0);
    await collector.start();
    // The next start (one worker, a few records of its own) adopts the spool and ships it.
    await nextStartShipsAll(collector, spool, 500);
  });

  it('a worker that must write for itself at exit (no private socket) spools; the next start ships it', async () => {
    const dir = tempDir();
    const spool = path.join(dir, 'spool');
    const collector = await createCollector(dir);
    await collector.start();
    // Over the cluster channel a worker cannot send at exit: what it had not sent goes to a
    // syslog writer of its own (its own spool), which never ran a session before the exit.
    const options = { ipc: { privateSocket: false } };
    const first = cluster('writer', collector.port, spool, 1000, { ending: 'exit', options });
    await expectCleanExits([first]);
    const done = (await messageOf(first, 'primary-done')) as PrimaryDone;
    const received = done.stats.ipc.received;
    const got = await nextStartShipsAll(collector, spool, 1000);
    // Each worker wrote its last turn itself (the channel cannot carry it at exit), with a
    // writer of its own: the primary's writer, the next primary's, and one a worker.
    const sides = fs.readFileSync(`${spool}.workers.jsonl`, 'utf8').trim().split('\n');
    const direct = sides
      .map((l) => JSON.parse(l) as { p: string; ipc: Stats['ipc'] })
      .filter((w) => !w.p.startsWith('next-'))
      .map((w) => w.ipc.directWrites);
    expect(direct).toHaveLength(WORKERS);
    expect(direct.every((n) => n > 0)).toBe(true);
    expect(received + direct.reduce((a, b) => a + b, 0)).toBe(WORKERS * 1000);
    expect(got.writerIds).toHaveLength(2 + WORKERS);
  });

  it('refuses a bad destination option with ERR_FANIN_OPTION naming it', () => {
    const target = 'relp://127.0.0.1:2514';
    const make =
      (destination: Record<string, unknown>, extra = {}) =>
      () =>
        createIpcWriter({
          via: 'cluster',
          destination: { type: '@fanin/syslog', target, ...destination },
          ...extra,
        } as never);
    const thrown = (f: () => unknown) => {
      try {
        f();
      } catch (err) {
        return err as FaninOptionError;
      }
      throw new Error('did not throw');
    };
    const typo = thrown(make({ windowSiz: 64 }));
    expect(typo).toBeInstanceOf(FaninOptionError);
    expect(typo).toMatchObject({ code: 'ERR_FANIN_OPTION', option: 'windowSiz' });
    expect(typo.message).toMatch(/did you mean "windowSize"/);
    expect(thrown(make({ windowSize: 5000 }))).toMatchObject({ option: 'windowSize' });
    expect(thrown(make({ target: 'http://x' }))).toMatchObject({ option: 'target' });
    expect(thrown(make({ type: '@fanin/no-such-package' }))).toMatchObject({
      option: 'destination',
    });
    expect(thrown(make({}, { filename: 'app.log' }))).toMatchObject({ option: 'filename' });
    expect(thrown(make({}, { maxBytes: '1M' }))).toMatchObject({ option: 'maxBytes' });
  });
});
