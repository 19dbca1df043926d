import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  expectCleanExits,
  type Forked,
  forkFixture,
  messageOf,
  reportOf,
  tempDir,
} from './helpers/processes.js';
import {
  audit,
  type Collector,
  createCollector,
  haveRsyslog,
  outage,
  readCollected,
} from './helpers/rsyslog.js';

// whenFull 'block' / { blockMs } for @fanin/syslog (issue #17): a record that finds the spool
// full blocks the logging thread while the shipper, in its worker thread, goes on shipping and
// frees room. Real rsyslogd (imrelp, Direct queue), real processes; the spool is made full by
// leaving the collector down, and kept small (4 KiB, about 20 records of 100 B).

interface Step {
  level: string;
  ok: boolean;
  ms: number;
  at: number;
}

interface BlockReport {
  filled: number;
  steps: Step[];
  outcome: { timedOut: boolean };
  stats: {
    dropped: { total: number; byReason: Record<string, number>; byLevel: Record<string, number> };
    syslog: { writerId: string; acknowledged: number; reconnects: number; resent: number };
  };
}

const SPOOL = { maxSpoolBytes: 4096, segmentBytes: 1024 };

/** Fills the spool, then logs one record per level in `levels` (see the fixture). */
function fill(
  collector: Collector,
  dir: string,
  levels: string,
  closeMs: number | 'none',
  options: object,
) {
  const marker = path.join(dir, 'marker');
  const target = `relp://127.0.0.1:${collector.port}`;
  const args = [target, path.join(dir, 'spool'), marker, levels, String(closeMs)];
  const f = forkFixture('syslog-block', args, { options: { ...SPOOL, ...options } });
  return { f, marker };
}

/**
 * Resolves with the time the fixture wrote its marker for record `step`, just before logging it.
 * Polls the file: the fixture's thread is about to block, so it cannot answer over IPC.
 */
async function markerAt(f: Forked, marker: string, step: number): Promise<number> {
  for (;;) {
    if (f.child.exitCode !== null) throw new Error(`fixture exited before step ${step}`);
    const m = fs.existsSync(marker) ? JSON.parse(fs.readFileSync(marker, 'utf8')) : undefined;
    if (m?.step === step) return m.at as number;
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The fixture's records the collector wrote: count, and the audit of their (w, s). */
function delivered(collector: Collector, writerId: string) {
  const lines = readCollected(collector.output).filter((l) => l.w === writerId);
  const records = lines.filter((l) => l.msg.startsWith('{"i":'));
  return { records: records.length, ...audit(lines) };
}

describe.skipIf(!haveRsyslog)('@fanin/syslog whenFull block, with a real rsyslogd', () => {
  it('{ blockMs: 300 }, collector down: each record past the bound blocks its thread, then is dropped and counted by level', async () => {
    const dir = tempDir();
    const collector = await createCollector(dir); // never started: the spool stays full
    const { f } = fill(collector, dir, 'info,debug,error', 300, { whenFull: { blockMs: 300 } });
    await expectCleanExits([f]);
    const r = reportOf(f) as unknown as BlockReport;
    expect(r.filled).toBeGreaterThan(10);
    for (const step of r.steps) {
      expect(step.ok).toBe(false);
      // write() is synchronous: its duration is how long the thread (and its event loop) waited.
      expect(step.ms).toBeGreaterThanOrEqual(150);
    }
    // 'fill' is the fixture's own probe of fullness (always 'drop').
    expect(r.stats.dropped.byLevel).toEqual({ fill: 1, info: 1, debug: 1, error: 1 });
    expect(r.stats.dropped.byReason).toEqual({ 'spool-full': 4 });
    // Bounded: nothing was acknowledged, and the spool on disk is within maxSpoolBytes.
    const onDisk = fs
      .readdirSync(path.join(dir, 'spool'), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith('.seg'))
      .reduce((n, e) => n + fs.statSync(path.join(e.parentPath, e.name)).size, 0);
    expect(onDisk).toBeLessThanOrEqual(SPOOL.maxSpoolBytes);
    expect(onDisk).toBeGreaterThan(SPOOL.maxSpoolBytes - 200);
  });

  it("'block', collector comes up while the logger is blocked: the record waits, then is delivered; 0 lost", async () => {
    const dir = tempDir();
    const collector = await createCollector(dir);
    const { f, marker } = fill(collector, dir, 'info', 20_000, { whenFull: 'block' });
    const blockedAt = await markerAt(f, marker, 0);
    const upAt = Date.now();
    await collector.start();
    await expectCleanExits([f]);
    const r = reportOf(f) as unknown as BlockReport;
    const [step] = r.steps as [Step];
    expect(step.ok).toBe(true);
    // It returned only once the collector had been started: it waited for room all that time.
    expect(step.at).toBeGreaterThanOrEqual(upAt);
    expect(step.ms).toBeGreaterThanOrEqual(upAt - blockedAt - 5);
    expect(r.outcome.timedOut).toBe(false);
    expect(r.stats.dropped.byLevel).toEqual({ fill: 1 });
    const got = delivered(collector, r.stats.syslog.writerId);
    expect(got).toMatchObject({ records: r.filled + 1, duplicates: 0, gaps: 0, outOfOrder: 0 });
  });

  it("by level { error: 'block', debug: 'drop' }, whenFull 'drop': debug and info dropped at once, error waits for the collector", async () => {
    const dir = tempDir();
    const collector = await createCollector(dir);
    const options = { whenFull: 'drop', whenFullByLevel: { error: 'block', debug: 'drop' } };
    const { f, marker } = fill(collector, dir, 'debug,info,error', 20_000, options);
    const blockedAt = await markerAt(f, marker, 2);
    const upAt = Date.now();
    await collector.start();
    await expectCleanExits([f]);
    const r = reportOf(f) as unknown as BlockReport;
    expect(r.steps.map((s) => [s.level, s.ok])).toEqual([
      ['debug', false],
      ['info', false],
      ['error', true],
    ]);
    const error = r.steps[2] as Step;
    expect(error.at).toBeGreaterThanOrEqual(upAt);
    expect(error.ms).toBeGreaterThanOrEqual(upAt - blockedAt - 5);
    expect(r.stats.dropped.byLevel).toEqual({ fill: 1, debug: 1, info: 1 });
    const got = delivered(collector, r.stats.syslog.writerId);
    expect(got).toMatchObject({ records: r.filled + 1, duplicates: 0, gaps: 0, outOfOrder: 0 });
  });

  it('the shipper thread does not hold an idle process: it ends by itself, and the next start ships its spool', async () => {
    const dir = tempDir();
    const collector = await createCollector(dir);
    const options = { whenFull: { blockMs: 50 } };
    const first = fill(collector, dir, 'info', 'none', options).f;
    await expectCleanExits([first]); // collector down: nothing in flight, so nothing holds it
    const r = reportOf(first) as unknown as BlockReport;
    await collector.start();
    const next = fill(collector, dir, 'info', 10_000, options).f;
    await expectCleanExits([next]);
    expect((reportOf(next) as unknown as BlockReport).outcome.timedOut).toBe(false);
    const got = delivered(collector, r.stats.syslog.writerId);
    expect(got).toMatchObject({ records: r.filled, duplicates: 0, gaps: 0, outOfOrder: 0 });
  });

  it("'block' with a 64 KiB spool, collector SIGKILLed mid-run and restarted: the logger waits, 0 lost, 0 dropped", async () => {
    const dir = tempDir();
    const collector = await createCollector(dir);
    await collector.start();
    const target = `relp://127.0.0.1:${collector.port}`;
    const args = ['writer', target, path.join(dir, 'spool'), 'b', '40000', '50', 'close'];
    const options = { whenFull: 'block', maxSpoolBytes: '64K', segmentBytes: '16K' };
    const f = forkFixture('syslog-shipper', args, { options, quiet: true });
    await loggedAtLeast(f, 3000);
    // 64 KiB hold ~400 records: the logger blocks within the outage and goes on after it.
    await outage(collector, 'SIGKILL', 500);
    await expectCleanExits([f]);
    const r = reportOf(f) as unknown as BlockReport & { records: number };
    expect(r.records).toBe(40_000);
    expect(r.stats.dropped.total).toBe(0);
    // The outage hit the run: the logger cannot get more than the spool (~400 records) ahead of
    // the acknowledgements, so the collector was killed with records still to ship.
    expect(r.stats.syslog.reconnects).toBeGreaterThanOrEqual(1);
    const lines = readCollected(collector.output).filter((l) => l.w === r.stats.syslog.writerId);
    const a = audit(lines);
    expect(a.writers.get(r.stats.syslog.writerId)).toBe(40_000);
    expect(a).toMatchObject({ gaps: 0, outOfOrder: 0 });
    expect(a.duplicates).toBeLessThanOrEqual(r.stats.syslog.resent);
  });
});

/** Resolves once the syslog-shipper fixture reported at least `n` records logged. */
async function loggedAtLeast(f: Forked, n: number): Promise<void> {
  const reached = (m: unknown) =>
    (m as { n?: number }).n !== undefined && (m as { n: number }).n >= n;
  if (f.messages.some(reached)) return;
  await new Promise<void>((resolve, reject) => {
    const onMessage = (m: unknown) => {
      if (!reached(m)) return;
      f.child.off('message', onMessage);
      resolve();
    };
    f.child.on('message', onMessage);
    messageOf(f, 'never').catch(reject);
  });
}
