import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { checkLog, summary } from './helpers/check-log.js';
import { fakeWriter, type IpcReport, messagesCount, planned, shortTempDir } from './helpers/ipc.js';
import { forkFixture, messageOf, reportOf, whileAlive } from './helpers/processes.js';

const PROCESSES = 4;
const COUNTS = '3000,30,2';
const PER_PROCESS = planned(COUNTS);

describe('@fanin/ipc via socket: the writer is killed with SIGKILL mid-run', () => {
  it(`${PROCESSES - 1} survivors elect a new writer, resend what was not acknowledged, and lose nothing`, async () => {
    const { dir, sock } = shortTempDir();
    const file = path.join(dir, 'app.log');
    const forked = Array.from({ length: PROCESSES }, (_, p) =>
      forkFixture(
        'ipc-peer',
        ['writer', sock, file, String(p), COUNTS, 'close', '-', 'settle', 'wait', 'pace:2', 'gate'],
        { quiet: true },
      ),
    );
    const ready = (await Promise.all(forked.map((f) => messageOf(f, 'ready')))) as IpcReport[];
    const writerIndex = ready.findIndex((r) => r.role === 'writer');
    expect(ready.filter((r) => r.role === 'writer')).toHaveLength(1);
    const victim = forked[writerIndex] as (typeof forked)[number];
    const survivors = forked.filter((f) => f !== victim);

    for (const f of forked) f.child.send('go');
    // Everyone is a third into its records: the writer is killed while all of them log.
    await whileAlive(forked, Promise.all(forked.map((f) => messagesCount(f, 'progress', 1))));
    const killedAt = Date.now();
    victim.child.kill('SIGKILL');
    expect(await victim.exited).toEqual({ code: null, signal: 'SIGKILL' });
    // Survivors that reached two thirds of their records before the kill (a loaded machine) wait
    // there for this: so they are still logging when the writer dies, however late the kill.
    for (const f of survivors) f.child.send('pass');

    const exits = await Promise.all(survivors.map((f) => f.exited));
    expect(exits, survivors.map((f) => f.stderr.join('')).join('\n')).toEqual(
      survivors.map(() => ({ code: 0, signal: null })),
    );
    const reports = survivors.map((f) => reportOf(f) as unknown as IpcReport);
    for (const r of reports) expect(r.records).toBe(PER_PROCESS);
    // The survivors were still logging (not closing) when the writer died.
    for (const f of survivors) {
      const closing = (await messageOf(f, 'closing')) as { t: number };
      expect(closing.t).toBeGreaterThan(killedAt);
    }

    const check = checkLog(fs.readFileSync(file, 'utf8'), Array(PROCESSES).fill(PER_PROCESS));
    const resent = reports.reduce((n, r) => n + r.stats.ipc.resent, 0);
    const seen = `${JSON.stringify(summary(check))}; resent ${resent}; torn: ${JSON.stringify(check.tornSamples)}`;
    // Nothing any survivor logged is missing; the killed writer's own records are not required.
    for (const [p, byProcess] of check.byProcess.entries()) {
      if (p !== writerIndex) expect(byProcess.missing, `p ${p}: ${seen}`).toBe(0);
    }
    expect(check.torn, seen).toBe(0);
    expect(check.foreign, seen).toBe(0);
    expect(check.unexpected, seen).toBe(0);
    expect(check.outOfOrder, seen).toBe(0);
    // At-least-once: a record appears twice only if it was resent (in flight at the death).
    expect(check.duplicates, seen).toBeLessThanOrEqual(resent);

    // One survivor took over the socket; the others lost their writer once and said so.
    const roles = reports.map((r) => r.role);
    expect(
      roles.filter((r) => r === 'writer').length,
      JSON.stringify(roles),
    ).toBeGreaterThanOrEqual(1);
    // No survivor gave up on the election. (A survivor may still end 'direct': when the writer
    // it was closing against closes first, close() writes the rest itself.)
    const electionFailures = reports.flatMap((r) =>
      r.errors.filter((e) => /cannot reach or become the writer/.test(e.message)),
    );
    expect(
      electionFailures,
      JSON.stringify(reports.map((r) => [r.role, r.stats.ipc, r.errors])),
    ).toEqual([]);
    for (const r of reports) {
      expect(r.stats.dropped.total).toBe(0);
      expect(r.stats.ipc.writerLost, `p ${r.p}`).toBeGreaterThanOrEqual(1);
      expect(
        r.errors.some((e) => /lost the writer/.test(e.message)),
        JSON.stringify(r.errors),
      ).toBe(true);
    }
  });

  for (const how of ['dies', 'closes (goodbye)'] as const) {
    it(`a forwarder that is closing when its writer ${how} writes the rest itself at once, not after the close timeout`, async () => {
      const { dir, sock } = shortTempDir();
      const file = path.join(dir, 'app.log');
      // A writer that welcomes, acknowledges the first batch (the forwarder's 'settle' record)
      // and no other: the forwarder's close() waits for it.
      const writer = await fakeWriter(sock, { ackFirst: 1 });
      const f = forkFixture('ipc-peer', [
        ...['writer', sock, file, '0', '2000,0,0', 'close', '-'],
        ...['settle', 'wait', 'sync'],
      ]);
      expect(await messageOf(f, 'ready')).toMatchObject({ role: 'forwarder' });
      f.child.send('go');
      await messageOf(f, 'closing');
      await whileAlive(
        [f],
        // Batches after the first are in flight, unacknowledged.
        vi.waitFor(() => expect(writer.batches()).toBeGreaterThan(1), { timeout: 10_000 }),
      );
      const diedAt = Date.now();
      await (how === 'dies' ? writer.die() : writer.bye());
      const done = (await messageOf(f, 'done')) as IpcReport;
      const took = Date.now() - diedAt;
      expect(await f.exited).toEqual({ code: 0, signal: null });
      // Every record but the first (acknowledged by the stand-in, which writes nothing) is in the
      // file, once, in order: the forwarder wrote them itself.
      const check = checkLog(fs.readFileSync(file, 'utf8'), [2000]);
      expect(summary(check)).toEqual({
        ...{ total: 1999, torn: 0, foreign: 0, duplicates: 0 },
        ...{ missing: 1, outOfOrder: 0, unexpected: 0 },
      });
      expect(check.records[0]?.s).toBe(1);
      expect(done.stats.ipc.writerLost).toBe(how === 'dies' ? 1 : 0);
      // close() had its default 10 s deadline; with the writer gone there is nothing to wait for.
      expect(took, 'close() resolved this long after the writer died (ms)').toBeLessThan(3000);
    });
  }
});
