import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkLog, expectWholeLog } from './helpers/check-log.js';
import { clusterPrimary } from './helpers/cluster.js';
import { type IpcReport, type IpcStats, readSideFile, shortTempDir } from './helpers/ipc.js';
import { expectCleanExits, messageOf, reportOf } from './helpers/processes.js';
import { endAndCheck, readyAs, socketPeer, writerAndForwarder } from './helpers/socket-peers.js';

// 2000 records of 100 B logged in one turn: 200 K characters pending at once, more than one
// 64 K-character batch, and every batch far over a 16 KiB frame unless the forwarder cuts it.
const RECORDS = 2000;
const OPTIONS = { maxFrameBytes: '16K' };

describe('@fanin/ipc maxFrameBytes: the same option in every process', () => {
  it('socket: the forwarder never sends a frame its writer refuses', async () => {
    const { sock, file } = shortTempDir();
    const run = { counts: `${RECORDS},0,0`, options: OPTIONS };
    const writer = await readyAs('writer', socketPeer(sock, file, 0, run));
    const forwarder = await readyAs(
      'forwarder',
      socketPeer(sock, file, 1, { ...run, flags: ['sync'] }),
    );
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
    const { primary, file, side } = clusterPrimary({
      ...{ workers: 1, counts: `${RECORDS},0,0`, ending: 'close' },
      ...{ flags: ['wait', 'sync'], options: OPTIONS },
    });
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
    const { sock, file } = shortTempDir();
    // 100 records of 100 B and two of 200 KB, shuffled.
    const run = { counts: '100,0,2', options: { maxFrameBytes: '64K' } };
    const pair = await writerAndForwarder(sock, file, run);
    for (const f of [pair.writer, pair.forwarder]) f.child.send('go');
    const { w } = await endAndCheck(pair, file, { records: 102 });
    expect(w.stats.ipc.protocolErrors, JSON.stringify(w.errors)).toBe(0);
  });
});
