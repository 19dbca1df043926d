import * as fs from 'node:fs';
import { describe, expect, it, onTestFinished } from 'vitest';
import { checkLog, expectWholeLog, summary } from './helpers/check-log.js';
import { clusterPrimary } from './helpers/cluster.js';
import {
  type IpcReport,
  type IpcStats,
  readSideFile,
  shortTempDir,
  spawnFixture,
} from './helpers/ipc.js';
import { expectCleanExits, messageOf, reportOf } from './helpers/processes.js';
import { readyAs, socketPeer, socketWriter } from './helpers/socket-peers.js';

// Three records of 3 MB each: the forwarder logs the first and waits until it is through, logs
// the other two, lets one event-loop turn pass, then calls process.exit(0). Sent as one message,
// a record that big would still be leaving the process (most of it in Node's write queue, far
// over the kernel's socket buffer) when the exit hook runs.
const BIG = ['3,0,0', 'exit'] as const;
const BIG_FLAGS = ['size:3000000', 'exit-next-turn'];
const EXIT_TIMEOUT_MS = 4000;
const OPTIONS = { exitTimeoutMs: EXIT_TIMEOUT_MS };

/** What the exiting forwarder reported at exit, with the writer's own stats. */
function expectPromptExit(forwarder: IpcReport, writer: IpcStats) {
  // Nothing is lost or duplicated either way; but the writer is alive, so nothing is resent…
  expect.soft(forwarder.stats.ipc, JSON.stringify(forwarder.stats.ipc)).toMatchObject({
    resent: 0,
    writerLost: 0,
  });
  // …and a batch that never left this process cannot be acknowledged: waiting for it until
  // exitTimeoutMs only delays the exit.
  expect
    .soft(forwarder.exitMs, 'the exit hook took this long (ms)')
    .toBeLessThan(EXIT_TIMEOUT_MS / 2);
  // A cut-off frame from a peer that exited is no protocol error of the peer.
  expect.soft(writer.ipc.protocolErrors).toBe(0);
}

describe('@fanin/ipc: a forwarder exits while its last batch is still leaving the process', () => {
  it('cluster: a worker exits promptly, nothing resent, every record once', async () => {
    const { primary, file, side } = clusterPrimary({
      ...{ workers: 1, counts: BIG[0], ending: BIG[1] },
      ...{ flags: ['wait', ...BIG_FLAGS], options: OPTIONS },
    });
    expect(await primary.exited).toEqual({ code: 0, signal: null });
    const done = (await messageOf(primary, 'primary-done')) as { stats: IpcStats };
    expectWholeLog(checkLog(fs.readFileSync(file, 'utf8'), [0, 3]), 3);
    const [worker] = readSideFile(side);
    expectPromptExit(worker as IpcReport, done.stats);
  });

  it('parent: a child exits promptly, nothing resent, every record once', async () => {
    const { file, side } = shortTempDir();
    const parent = spawnFixture(
      'ipc-parent',
      [file, '1', ...BIG, side, 'settle', ...BIG_FLAGS],
      OPTIONS,
    );
    expect(await parent.exited).toEqual({ code: 0, signal: null });
    const done = parent.lines[0] as { stats: IpcStats };
    expectWholeLog(checkLog(fs.readFileSync(file, 'utf8'), [3, 3]), 6);
    const [child] = readSideFile(side);
    expectPromptExit(child as IpcReport, done.stats);
  });

  it('socket: a forwarder exits promptly, nothing resent, every record once', async () => {
    const { sock, file, side } = shortTempDir();
    const writer = await socketWriter(sock, file, '10,0,0', OPTIONS);
    const [counts, ending] = BIG;
    const big = { counts, ending, side, flags: BIG_FLAGS, options: OPTIONS };
    const forwarder = socketPeer(sock, file, 1, big);
    // Its first record is written or acknowledged (a record over a batch may be written by the
    // forwarder itself, before the election is over).
    await messageOf(forwarder, 'ready');
    forwarder.child.send('go');
    await expectCleanExits([forwarder]);
    writer.child.send('go');
    await expectCleanExits([writer]);
    expectWholeLog(checkLog(fs.readFileSync(file, 'utf8'), [10, 3]), 13);
    const [report] = readSideFile(side);
    expectPromptExit(report as IpcReport, (reportOf(writer) as unknown as IpcReport).stats);
  });
});

describe('@fanin/ipc: a forwarder exits while its live writer is stalled for a moment', () => {
  it('socket: the writer stopped for 1 s (SIGSTOP), exitTimeoutMs 5000: the exit waits for it, nothing is written twice', async () => {
    const { sock, file, side } = shortTempDir();
    const options = { exitTimeoutMs: 5000 };
    const writer = await socketWriter(sock, file, '10,0,0', options);
    // 200 records of 100 B, sent over ten turns; process.exit(0) one turn after the last.
    const forwarder = await readyAs(
      'forwarder',
      socketPeer(sock, file, 1, {
        counts: '200,0,0',
        ending: 'exit',
        side,
        flags: ['exit-next-turn'],
        options,
      }),
    );
    // The writer stalls (a GC pause, a slow disk, a loaded machine) while the forwarder sends
    // and exits; the stall's length is the scenario, well inside exitTimeoutMs.
    writer.child.kill('SIGSTOP');
    onTestFinished(() => {
      writer.child.kill('SIGCONT');
    });
    forwarder.child.send('go');
    const resumed = new Promise<void>((resolve) =>
      setTimeout(() => {
        writer.child.kill('SIGCONT');
        resolve();
      }, 1000),
    );
    await expectCleanExits([forwarder]);
    await resumed;
    writer.child.send('go');
    await expectCleanExits([writer]);
    const [report] = readSideFile(side);
    const check = checkLog(fs.readFileSync(file, 'utf8'), [10, 200]);
    expect(summary(check), JSON.stringify(report?.stats.ipc)).toEqual({
      ...{ total: 210, torn: 0, foreign: 0, duplicates: 0 },
      ...{ missing: 0, outOfOrder: 0, unexpected: 0 },
    });
    expect(report?.stats.ipc.resent).toBe(0);
  });
});
