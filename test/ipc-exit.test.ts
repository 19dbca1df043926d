import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { checkLog, expectWholeLog, summary } from './helpers/check-log.js';
import {
  type IpcReport,
  type IpcStats,
  readSideFile,
  shortTempDir,
  spawnFixture,
} from './helpers/ipc.js';
import { expectCleanExits, forkFixture, messageOf, reportOf } from './helpers/processes.js';

// Three records of 3 MB each: the forwarder logs the first and waits until it is through, logs
// the other two, lets one event-loop turn pass, then calls process.exit(0). Sent as one message,
// a record that big would still be leaving the process (most of it in Node's write queue, far
// over the kernel's socket buffer) when the exit hook runs.
const BIG = ['3,0,0', 'exit'];
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
    const { dir } = shortTempDir();
    const file = path.join(dir, 'app.log');
    const side = path.join(dir, 'side.jsonl');
    const primary = forkFixture(
      'ipc-cluster',
      ['writer', file, '1', ...BIG, side, 'wait', ...BIG_FLAGS],
      { options: OPTIONS },
    );
    expect(await primary.exited).toEqual({ code: 0, signal: null });
    const done = (await messageOf(primary, 'primary-done')) as { stats: IpcStats };
    expectWholeLog(checkLog(fs.readFileSync(file, 'utf8'), [0, 3]), 3);
    const [worker] = readSideFile(side);
    expectPromptExit(worker as IpcReport, done.stats);
  });

  it('parent: a child exits promptly, nothing resent, every record once', async () => {
    const { dir } = shortTempDir();
    const file = path.join(dir, 'app.log');
    const side = path.join(dir, 'side.jsonl');
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
    const { dir, sock } = shortTempDir();
    const file = path.join(dir, 'app.log');
    const side = path.join(dir, 'side.jsonl');
    const writer = forkFixture(
      'ipc-peer',
      ['writer', sock, file, '0', '10,0,0', 'close', '-', 'settle', 'wait'],
      { options: OPTIONS },
    );
    expect(await messageOf(writer, 'ready')).toMatchObject({ role: 'writer' });
    const forwarder = forkFixture(
      'ipc-peer',
      ['writer', sock, file, '1', ...BIG, side, 'settle', 'wait', ...BIG_FLAGS],
      { options: OPTIONS },
    );
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
    const { dir, sock } = shortTempDir();
    const file = path.join(dir, 'app.log');
    const side = path.join(dir, 'side.jsonl');
    const options = { exitTimeoutMs: 5000 };
    const writer = forkFixture(
      'ipc-peer',
      ['writer', sock, file, '0', '10,0,0', 'close', '-', 'settle', 'wait'],
      { options },
    );
    expect(await messageOf(writer, 'ready')).toMatchObject({ role: 'writer' });
    // 200 records of 100 B, sent over ten turns; process.exit(0) one turn after the last.
    const forwarder = forkFixture(
      'ipc-peer',
      ['writer', sock, file, '1', '200,0,0', 'exit', side, 'settle', 'wait', 'exit-next-turn'],
      { options },
    );
    expect(await messageOf(forwarder, 'ready')).toMatchObject({ role: 'forwarder' });
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
