import * as fs from 'node:fs';
import * as path from 'node:path';
import { createSyslogWriter, type SyslogWriter } from '@fanin/syslog';
import { describe, expect, it, onTestFinished } from 'vitest';
import { expectCleanExits, forkFixture, tempDir } from './helpers/processes.js';
import {
  audit,
  type Collector,
  createCollector,
  haveRsyslog,
  readCollected,
} from './helpers/rsyslog.js';

// @fanin/syslog with a level that may block for room ships from a worker thread (issue #17). When
// that thread dies, the logging thread ships on from where the thread's acknowledgements stood
// (packages/syslog/src/ship-fallback.ts). Real rsyslogd (imrelp, Direct queue: acknowledged
// means in its file), a real worker thread killed for real: terminate(), or an uncaught
// exception inside it (a message it cannot read, posted through the monitoring handle).

const WINDOW = 128;
const ORPHAN = 20_000;

type Kill = 'terminate()' | 'an exception in it';

function kill(w: SyslogWriter, how: Kill): void {
  const thread = w.shipThread;
  if (!thread) throw new Error('no shipper thread: whenFull is not blocking');
  // The worker reads `m.type` of each message: null throws a TypeError in its handler.
  if (how === 'terminate()') void thread.terminate();
  else thread.postMessage(null);
}

/** A blocking writer to `collector`, and a promise of the report of its shipper thread's death. */
function open(collector: Collector, options: Record<string, unknown> = {}, spoolDir = tempDir()) {
  const reports: Error[] = [];
  let died!: () => void;
  const death = new Promise<void>((resolve) => {
    died = resolve;
  });
  const w = createSyslogWriter({
    target: `relp://127.0.0.1:${collector.port}`,
    spoolDir,
    whenFull: 'block',
    exitHook: false,
    reconnectMaxMs: 500,
    onError: (err) => {
      reports.push(err);
      if (/shipper thread died/.test(err.message)) died();
    },
    ...options,
  });
  onTestFinished(() => w.close({ timeoutMs: 0 }).then(() => undefined));
  return { w, reports, death };
}

/** Stops rsyslogd of `dir` (SIGSTOP: it reads and answers nothing); returns its resumption. */
function pause(dir: string): () => void {
  const pid = Number(fs.readFileSync(path.join(dir, 'rsyslogd.pid'), 'latin1'));
  process.kill(pid, 'SIGSTOP');
  // A test that fails in between leaves it stopped: the collector's own cleanup SIGKILLs it.
  return () => process.kill(pid, 'SIGCONT');
}

/** Resolves once `cond()` holds; polls (another thread changes it), failing after 10 s. */
async function until(what: string, cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`never: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Writes records `from`..`to` (`{"i":N}`), `perTurn` a turn of the event loop. */
async function writeRange(w: SyslogWriter, from: number, to: number, perTurn: number) {
  for (let i = from; i <= to; i++) {
    expect(w.write(`{"i":${i}}\n`, 'info')).toBe(true);
    if (i % perTurn === 0) await turn();
  }
}

/** The writer's records at the collector: the audit of their (w, s), and the distinct records. */
function delivered(collector: Collector, w: SyslogWriter) {
  const id = w.stats().syslog.writerId;
  const lines = readCollected(collector.output).filter((l) => l.w === id);
  const records = new Set(lines.filter((l) => l.msg.startsWith('{"i":')).map((l) => l.s)).size;
  return { ...audit(lines), records };
}

describe.skipIf(!haveRsyslog)('@fanin/syslog: the shipper thread dies (real rsyslogd)', () => {
  for (const how of ['terminate()', 'an exception in it'] as Kill[]) {
    it(`killed by ${how} with a window in flight: this thread ships on, every record once at least, in order, resends counted`, async () => {
      const dir = tempDir();
      const collector = await createCollector(dir);
      await collector.start();
      const { w, reports, death } = open(collector);
      await writeRange(w, 1, 3000, 500);
      // A session is open (and these are acknowledged) before the collector stops answering.
      expect((await w.flush({ timeoutMs: 20_000 })).timedOut).toBe(false);
      // rsyslogd stopped (SIGSTOP): it answers nothing, so the thread fills its window and the
      // frames stay unacknowledged until it is gone.
      const resume = pause(dir);
      await writeRange(w, 3001, 5000, 500);
      await until('a full window', () => w.stats().syslog.inFlight === WINDOW);
      const before = w.stats().syslog;
      // A flush waiting on the thread when it dies goes on waiting on this thread's shipper.
      const flushed = w.flush({ timeoutMs: 20_000 });
      kill(w, how);
      await death;
      await writeRange(w, 5001, 10_000, 500);
      resume();
      expect((await flushed).timedOut).toBe(false);
      expect((await w.flush({ timeoutMs: 20_000 })).timedOut).toBe(false);
      const outcome = await w.close({ timeoutMs: 20_000 });
      expect(outcome.timedOut).toBe(false);

      const s = w.stats();
      expect(s.dropped.total).toBe(0);
      // The counters went on from the thread's: nothing it counted was lost.
      expect(s.syslog.acknowledged).toBe(10_000);
      expect(s.syslog.sent).toBeGreaterThanOrEqual(before.sent);
      expect(s.syslog.sent).toBe(s.syslog.acknowledged + s.syslog.resent);
      // This thread's session is one more after the thread's.
      expect(s.syslog.reconnects).toBe(before.reconnects + 1);
      const got = delivered(collector, w);
      expect(got).toMatchObject({ records: 10_000, gaps: 0, outOfOrder: 0 });
      // What the thread had sent and not had acknowledged went again: one window, each
      // duplicate at the collector one of them (rsyslogd, resumed, read the dead session's frames).
      expect(before.resent).toBe(0);
      expect(s.syslog.resent).toBe(WINDOW);
      expect(got.duplicates).toBeLessThanOrEqual(s.syslog.resent);
      const deaths = reports.filter((e) => /shipper thread died/.test(e.message));
      expect(deaths).toHaveLength(1);
      expect(deaths[0]?.message).toMatch(/shipping continues on this thread/);
    });
  }

  it('killed in the middle of a spool it adopted from a dead process: this thread finishes that spool from its cursor, then its own', async () => {
    const dir = tempDir();
    const collector = await createCollector(dir);
    const spoolDir = tempDir();
    // A process that logged 20,000 records with the collector down and exited: its spool stays.
    const target = `relp://127.0.0.1:${collector.port}`;
    const args = ['writer', target, spoolDir, 'orphan', String(ORPHAN), '2000', 'exit'];
    await expectCleanExits([forkFixture('syslog-shipper', args)]);
    await collector.start();
    const { w, death } = open(collector, {}, spoolDir);
    expect(w.stats().syslog.adopted).toBe(1);
    await writeRange(w, 1, 2000, 500);
    // The thread sends the adopted records first; rsyslogd, stopped once it acknowledged some,
    // leaves the thread in the middle of them with a full window.
    await until('an acknowledgement', () => w.stats().syslog.acknowledged > 0);
    const resume = pause(dir);
    await until('a full window', () => w.stats().syslog.inFlight === WINDOW);
    const before = w.stats().syslog;
    expect(before.acknowledged).toBeLessThan(ORPHAN - WINDOW);
    kill(w, 'terminate()');
    await death;
    resume();
    expect((await w.close({ timeoutMs: 20_000 })).timedOut).toBe(false);

    const s = w.stats().syslog;
    expect(s.acknowledged).toBe(ORPHAN + 2000);
    // Answers rsyslogd sent before it stopped may still have been on their way to the thread:
    // its window at the kill is one window at most (what it had acknowledged is not resent).
    expect(s.resent).toBeGreaterThan(0);
    expect(s.resent).toBeLessThanOrEqual(WINDOW);
    const lines = readCollected(collector.output);
    const ids = new Set(lines.filter((l) => l.msg.includes('"p":"orphan"')).map((l) => l.w));
    expect(ids.size).toBe(1);
    const a = audit(lines.filter((l) => ids.has(l.w) || l.w === s.writerId));
    expect(a.writers.get([...ids][0] as string)).toBe(ORPHAN);
    expect(a.writers.get(s.writerId)).toBe(2000);
    expect(a).toMatchObject({ gaps: 0, outOfOrder: 0 });
    expect(a.duplicates).toBeLessThanOrEqual(s.resent);
    // Both spools acknowledged to their end: removed.
    expect(fs.readdirSync(spoolDir)).toEqual([]);
  });

  for (const how of ['terminate()', 'an exception in it'] as Kill[]) {
    it(`after the fallback (${how}), 'block' no longer blocks: a record that finds the spool full is dropped, counted and reported once`, async () => {
      const collector = await createCollector(tempDir()); // down: nothing frees room
      const { w, reports, death } = open(collector, { maxSpoolBytes: 4096, segmentBytes: 1024 });
      kill(w, how);
      // terminate(): this thread learns of it from the Worker's 'exit' event. The exception: the
      // thread dies while this one writes on without yielding, so the first record to find the
      // spool full blocks, and only the crash's mark in the shared gauge can end that wait.
      if (how === 'terminate()') await death;
      // About 25 records of these fill 4 KiB; with the thread alive the first one past that
      // would block this thread for as long as the collector is away (this test would hang).
      const ok: boolean[] = [];
      for (let i = 1; i <= 60; i++) ok.push(w.write(`{"i":${i},"pad":"${'x'.repeat(100)}"}\n`));
      await death;
      const accepted = ok.filter(Boolean).length;
      expect(accepted).toBeGreaterThan(10);
      expect(ok.slice(accepted).every((b) => !b)).toBe(true);
      expect(w.stats().dropped.byReason).toEqual({ 'spool-full': 60 - accepted });
      const losses = reports.filter((e) => /records dropped \(spool-full\)/.test(e.message));
      expect(losses).toHaveLength(1);

      await collector.start();
      expect((await w.close({ timeoutMs: 20_000 })).timedOut).toBe(false);
      expect(delivered(collector, w)).toMatchObject({
        records: accepted,
        duplicates: 0,
        gaps: 0,
        outOfOrder: 0,
      });
    });
  }
});
