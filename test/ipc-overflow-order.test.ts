import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkLog, expectWholeLog } from './helpers/check-log.js';
import { type IpcReport, shortTempDir } from './helpers/ipc.js';
import { forkFixture, messageOf, reportOf } from './helpers/processes.js';

const RECORDS = 40_000;
// 100 B records, 20 a turn: the buffer bound is reached within a few hundred turns.
const COUNTS = `${RECORDS},0,0`;

/**
 * A socket writer stopped (SIGSTOP) while a forwarder logs past its buffer bound: the forwarder
 * must write its backlog itself, but only after what it had sent is in the file — it waits
 * for the writer's acknowledgements (SIGCONT comes 800 ms later) instead of appending its
 * backlog before batches the writer has not written yet.
 */
async function stoppedWriter(options: Record<string, unknown>) {
  const { dir, sock } = shortTempDir();
  const file = path.join(dir, 'app.log');
  const writer = forkFixture(
    'ipc-peer',
    ['writer', sock, file, '0', '1,0,0', 'close', '-', 'settle', 'wait', 'hold'],
    { options },
  );
  expect(await messageOf(writer, 'ready')).toMatchObject({ role: 'writer' });
  const forwarder = forkFixture(
    'ipc-peer',
    ['writer', sock, file, '1', COUNTS, 'close', '-', 'settle', 'wait'],
    { options },
  );
  expect(await messageOf(forwarder, 'ready')).toMatchObject({ role: 'forwarder' });
  writer.child.send('go');
  await messageOf(writer, 'logged');

  process.kill(writer.child.pid as number, 'SIGSTOP');
  forwarder.child.send('go');
  await new Promise((resolve) => setTimeout(resolve, 800));
  process.kill(writer.child.pid as number, 'SIGCONT');

  expect(await forwarder.exited).toEqual({ code: 0, signal: null });
  writer.child.send('end');
  expect(await writer.exited).toEqual({ code: 0, signal: null });
  const done = reportOf(forwarder) as unknown as IpcReport;
  const check = checkLog(fs.readFileSync(file, 'utf8'), [1, RECORDS]);
  return { done, check };
}

describe('@fanin/ipc: a full buffer while the writer is stopped keeps the order of the records', () => {
  it('batches in flight in the kernel: the forwarder waits for their acknowledgement before it writes its backlog', async () => {
    const { done, check } = await stoppedWriter({ maxBufferBytes: 262_144 });
    expectWholeLog(check, RECORDS + 1);
    // It did write part of its backlog itself (the buffer was full), and resent nothing.
    expect(done.stats.ipc.directWrites).toBeGreaterThan(0);
    expect(done.stats.ipc).toMatchObject({ resent: 0, writerLost: 0, link: 'socket' });
    expect(done.stats.dropped.total).toBe(0);
  });

  it('a window larger than the socket buffer (batches still in this process): they are written out first, then waited for', async () => {
    const { done, check } = await stoppedWriter({
      maxBufferBytes: 2_097_152,
      windowBytes: 1_048_576,
    });
    expectWholeLog(check, RECORDS + 1);
    expect(done.stats.ipc.directWrites).toBeGreaterThan(0);
    expect(done.stats.ipc).toMatchObject({ resent: 0, writerLost: 0 });
  });
});
