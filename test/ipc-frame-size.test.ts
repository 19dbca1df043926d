import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkLog, expectWholeLog } from './helpers/check-log.js';
import { type IpcReport, type IpcStats, readSideFile, shortTempDir } from './helpers/ipc.js';
import { expectCleanExits, forkFixture, messageOf, reportOf } from './helpers/processes.js';

// 2000 records of 100 B logged in one turn: 200 K characters pending at once, more than one
// 64 K-character batch, and every batch far over a 16 KiB frame unless the forwarder cuts it.
const RECORDS = 2000;
const OPTIONS = { maxFrameBytes: '16K' };

describe('@fanin/ipc maxFrameBytes: the same option in every process', () => {
  it('socket: the forwarder never sends a frame its writer refuses', async () => {
    const { dir, sock } = shortTempDir();
    const file = path.join(dir, 'app.log');
    const args = (p: number, flags: string[]) => [
      ...['writer', sock, file, String(p), `${RECORDS},0,0`, 'close', '-'],
      ...flags,
    ];
    const writer = forkFixture('ipc-peer', args(0, ['settle', 'wait']), { options: OPTIONS });
    expect(await messageOf(writer, 'ready')).toMatchObject({ role: 'writer' });
    const forwarder = forkFixture('ipc-peer', args(1, ['settle', 'wait', 'sync']), {
      options: OPTIONS,
    });
    expect(await messageOf(forwarder, 'ready')).toMatchObject({ role: 'forwarder' });
    const started = Date.now();
    forwarder.child.send('go');
    await expectCleanExits([forwarder]);
    const took = Date.now() - started;
    writer.child.send('go');
    await expectCleanExits([writer]);
    expectWholeLog(checkLog(fs.readFileSync(file, 'utf8'), [RECORDS, RECORDS]), 2 * RECORDS);

    const [w, f] = [reportOf(writer), reportOf(forwarder)] as unknown as IpcReport[];
    expect.soft(w?.stats.ipc.protocolErrors, JSON.stringify(w?.errors[0])).toBe(0);
    expect.soft(f?.stats.ipc).toMatchObject({ writerLost: 0, acked: RECORDS, directWrites: 0 });
    expect.soft(took, 'logging and closing took (ms)').toBeLessThan(5000);
  });

  it('cluster: the primary never refuses a worker batch', async () => {
    const { dir } = shortTempDir();
    const file = path.join(dir, 'app.log');
    const side = path.join(dir, 'side.jsonl');
    const primary = forkFixture(
      'ipc-cluster',
      ['writer', file, '1', `${RECORDS},0,0`, 'close', side, 'wait', 'sync'],
      { options: OPTIONS },
    );
    expect(await primary.exited).toEqual({ code: 0, signal: null });
    const done = (await messageOf(primary, 'primary-done')) as {
      stats: IpcStats;
      errors: unknown[];
    };
    expectWholeLog(checkLog(fs.readFileSync(file, 'utf8'), [0, RECORDS]), RECORDS);
    const [worker] = readSideFile(side);
    expect.soft(done.stats.ipc.protocolErrors, JSON.stringify(done.errors[0])).toBe(0);
    expect.soft(worker?.stats.ipc).toMatchObject({ acked: RECORDS, directWrites: 0 });
    expect.soft(worker?.exitMs, 'the worker’s close took (ms)').toBeLessThan(5000);
  });

  it('socket: a record larger than a whole frame (200 KB, maxFrameBytes 64K) still reaches the file, in order, with no protocol error', async () => {
    const { dir, sock } = shortTempDir();
    const file = path.join(dir, 'app.log');
    const options = { maxFrameBytes: '64K' };
    // 100 records of 100 B and two of 200 KB, shuffled.
    const args = (p: number, flags: string[]) => [
      ...['writer', sock, file, String(p), '100,0,2', 'close', '-'],
      ...flags,
    ];
    const writer = forkFixture('ipc-peer', args(0, ['settle', 'wait', 'hold']), { options });
    expect(await messageOf(writer, 'ready')).toMatchObject({ role: 'writer' });
    const forwarder = forkFixture('ipc-peer', args(1, ['settle', 'wait']), { options });
    expect(await messageOf(forwarder, 'ready')).toMatchObject({ role: 'forwarder' });
    for (const f of [writer, forwarder]) f.child.send('go');
    await expectCleanExits([forwarder]);
    await messageOf(writer, 'logged');
    writer.child.send('end');
    await expectCleanExits([writer]);
    expectWholeLog(checkLog(fs.readFileSync(file, 'utf8'), [102, 102]), 204);
    const [w, f] = [reportOf(writer), reportOf(forwarder)] as unknown as IpcReport[];
    expect(w?.stats.ipc.protocolErrors, JSON.stringify(w?.errors)).toBe(0);
    expect(f?.stats.ipc).toMatchObject({ writerLost: 0, resent: 0 });
  });
});
