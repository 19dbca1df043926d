import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkLog, expectWholeLog, summary } from './helpers/check-log.js';
import {
  type IpcReport,
  MIXED_RECORDS,
  messagesOf,
  readSideFile,
  shortTempDir,
} from './helpers/ipc.js';
import { expectCleanExits, type Forked, messageOf, reportOf } from './helpers/processes.js';
import { socketPeer, socketWriter } from './helpers/socket-peers.js';

const PROCESSES = 4;
const PER_PROCESS = MIXED_RECORDS;

interface Timed {
  kind: string;
  role?: string;
  t: number;
}

/**
 * The spans of time (ms) during which process `f` was the writer, from its messages: it became
 * writer when it said so ('ready' or 'role'), and stopped being it when it said another role or
 * that it was closing. Conservative: each span starts late and ends early, never the reverse.
 */
function writerSpans(f: Forked, end: number): [number, number][] {
  const spans: [number, number][] = [];
  let since: number | undefined;
  for (const m of f.messages as Timed[]) {
    if (m.kind === 'ready' || m.kind === 'role') {
      if (m.role === 'writer' && since === undefined) since = m.t;
      else if (m.role !== 'writer' && since !== undefined) {
        spans.push([since, m.t]);
        since = undefined;
      }
    } else if (m.kind === 'closing' && since !== undefined) {
      spans.push([since, m.t]);
      since = undefined;
    }
  }
  if (since !== undefined) spans.push([since, end]);
  return spans;
}

function expectOneWriterAtATime(forked: Forked[]): void {
  const end = Date.now();
  const spans = forked.flatMap((f, p) => writerSpans(f, end).map(([a, b]) => ({ p, a, b })));
  expect(spans.length).toBeGreaterThanOrEqual(1);
  for (const x of spans) {
    for (const y of spans) {
      if (x.p === y.p) continue;
      const overlap = Math.min(x.b, y.b) - Math.max(x.a, y.a);
      expect(overlap, `writer spans ${JSON.stringify([x, y])} overlap`).toBeLessThanOrEqual(0);
    }
  }
}

describe('@fanin/ipc via socket: independent processes, one writer elected', () => {
  for (const ending of ['close', 'exit'] as const) {
    const how = ending === 'close' ? 'close their writer' : 'process.exit(0) right after logging';
    it(`${PROCESSES} processes ${how}; one writer at a time; socket 0600; every record whole, once, in order`, async () => {
      const { dir, sock, file } = shortTempDir();
      const side = path.join(dir, 'side.jsonl');
      // Plain forks of the same script, all at once: none is another's parent in fanin's sense.
      const forked = Array.from({ length: PROCESSES }, (_, p) =>
        socketPeer(sock, file, p, { ending, side }),
      );
      const ready = (await Promise.all(forked.map((f) => messageOf(f, 'ready')))) as Timed[];
      // The election is over in each (its first record is written or acknowledged): exactly
      // one of them serves the socket.
      expect(ready.map((r) => r.role).sort()).toEqual([
        'forwarder',
        'forwarder',
        'forwarder',
        'writer',
      ]);
      // Owner-only while it is served (connecting needs write permission on it, unix(7)).
      expect(fs.statSync(sock).isSocket()).toBe(true);
      expect(fs.statSync(sock).mode & 0o777).toBe(0o600);
      for (const f of forked) f.child.send('go');
      await expectCleanExits(forked);

      const reports = readSideFile(side).sort((a, b) => a.p - b.p);
      const check = checkLog(fs.readFileSync(file, 'utf8'), Array(PROCESSES).fill(PER_PROCESS));
      // On failure, what each process saw: its counters, errors and how long its exit took.
      const seen = reports.map((r) => ({
        p: r.p,
        ...r.stats.ipc,
        errors: r.errors,
        exitMs: r.exitMs,
      }));
      expect(summary(check), JSON.stringify(seen)).toEqual({
        ...{ total: PROCESSES * PER_PROCESS, torn: 0, foreign: 0, duplicates: 0 },
        ...{ missing: 0, outOfOrder: 0, unexpected: 0 },
      });
      expect(check.switches).toBeGreaterThanOrEqual(PROCESSES);

      expect(reports.map((r) => r.records)).toEqual(Array(PROCESSES).fill(PER_PROCESS));
      if (ending === 'close') {
        for (const f of forked) expect(reportOf(f).records).toBe(PER_PROCESS);
        expectOneWriterAtATime(forked);
      }
      for (const r of reports) {
        expect(r.stats.dropped.total).toBe(0);
        // The writer was never lost: each hand-over (a writer closing or exiting) said goodbye.
        expect(r.stats.ipc, `p ${r.p}: ${JSON.stringify(r.errors)}`).toMatchObject({
          writerLost: 0,
          protocolErrors: 0,
        });
        expect(r.errors, `p ${r.p}`).toEqual([]);
      }
      // What the writers received is what the forwarders forwarded and did not resend.
      const forwarded = reports.reduce((n, r) => n + r.stats.ipc.forwarded, 0);
      const received = reports.reduce((n, r) => n + r.stats.ipc.received, 0);
      const resent = reports.reduce((n, r) => n + r.stats.ipc.resent, 0);
      expect(received).toBeLessThanOrEqual(forwarded);
      expect(forwarded - received).toBeLessThanOrEqual(resent);
      // While logging, a hand-over never left a process writing for itself (a process already
      // closing may finish its own records itself when its writer leaves).
      for (const f of forked) {
        for (const m of messagesOf<Timed>(f, 'role')) expect(m.role).not.toBe('direct');
      }
    });
  }
});

describe('@fanin/ipc via socket: a forwarder still connecting', () => {
  it('logs and closes at once (the election still running): close() resolves promptly and the records go through the writer', async () => {
    const { sock, file } = shortTempDir();
    const writer = await socketWriter(sock, file, '100,0,0');
    // Logs 500 records and calls close() in the same turn as it created its writer.
    const forwarder = socketPeer(sock, file, 1, { counts: '500,0,0', start: ['sync'] });
    const closing = (await messageOf(forwarder, 'closing')) as Timed;
    const done = (await messageOf(forwarder, 'done')) as IpcReport;
    const took = Date.now() - closing.t;
    writer.child.send('go');
    await expectCleanExits([writer, forwarder]);
    const check = checkLog(fs.readFileSync(file, 'utf8'), [100, 500]);
    expectWholeLog(check, 600);
    // Through the writer, not written by the forwarder itself…
    expect(done.stats.ipc, `role ${done.role}`).toMatchObject({ forwarded: 500, acked: 500 });
    expect(done.stats.ipc.directWrites).toBe(0);
    // …and without waiting out close()'s 10 s deadline.
    expect(took, 'close() took this long (ms)').toBeLessThan(3000);
  });

  it('await flush() keeps the process alive until the writer acknowledged (the code after it runs)', async () => {
    const { sock, file } = shortTempDir();
    const writer = await socketWriter(sock, file, '100,0,0');
    // A script with nothing else to do: it logs, awaits flush(), says 'ready', logs 9 more and
    // closes. Nothing but fanin keeps its event loop alive meanwhile.
    const forwarder = socketPeer(sock, file, 1, { counts: '10,0,0', start: ['settle'] });
    const exited = await forwarder.exited;
    writer.child.send('go');
    await expectCleanExits([writer]);
    expect(exited).toEqual({ code: 0, signal: null });
    const kinds = forwarder.messages.map((m) => (m as Timed).kind);
    expect(kinds, 'messages the forwarder sent before it exited').toContain('done');
    expect(await messageOf(forwarder, 'ready')).toMatchObject({ role: 'forwarder' });
    expectWholeLog(checkLog(fs.readFileSync(file, 'utf8'), [100, 10]), 110);
  });
});
