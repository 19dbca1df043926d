import * as fs from 'node:fs';
import * as os from 'node:os';
import { describe, expect, it } from 'vitest';
import { checkLog, expectWholeLog } from './helpers/check-log.js';
import { type IpcReport, planned, shortTempDir } from './helpers/ipc.js';
import {
  expectCleanExits,
  type Forked,
  forkFixture,
  messageOf,
  reportOf,
} from './helpers/processes.js';
import { readyAs, socketPeer } from './helpers/socket-peers.js';

const COUNTS = '500,5,0';
const PER_PROCESS = planned(COUNTS);

const peer = (sock: string, file: string, p: number) =>
  socketPeer(sock, file, p, { counts: COUNTS });

async function killed(f: Forked): Promise<void> {
  f.child.kill('SIGKILL');
  expect(await f.exited).toEqual({ code: null, signal: 'SIGKILL' });
}

describe('@fanin/ipc via socket: stale sockets are replaced, live ones never', () => {
  it('the socket file of a writer killed with SIGKILL is replaced by the next process, which writes', async () => {
    const { sock, file } = shortTempDir();
    const first = await readyAs('writer', peer(sock, file, 0));
    await killed(first);
    // The dead writer's socket file stays: nobody listens on it.
    expect(fs.statSync(sock).isSocket()).toBe(true);

    const next = await readyAs('writer', peer(sock, file, 1));
    expect(fs.statSync(sock).mode & 0o777).toBe(0o600);
    expect(fs.existsSync(`${sock}.fanin-lock`), 'the election lock is released').toBe(false);
    next.child.send('go');
    await expectCleanExits([next]);
    // The killed writer's first record (written before 'ready'), and all of the next one's.
    expectWholeLog(checkLog(fs.readFileSync(file, 'utf8'), [1, PER_PROCESS]), 1 + PER_PROCESS);
  });

  it('a socket bound by a process that was killed, and its dead election lock, are taken over at once', async () => {
    const { sock, file } = shortTempDir();
    const binder = forkFixture('ipc-bind', [sock]);
    await messageOf(binder, 'bound');
    await killed(binder);
    // As if the dead process had held the election lock too (pid and host, as fanin writes it).
    fs.writeFileSync(`${sock}.fanin-lock`, `${binder.child.pid} ${os.hostname()}`);

    const started = Date.now();
    const next = await readyAs('writer', peer(sock, file, 0));
    // Far sooner than the lock's 10 s staleness: its holder is known dead.
    expect(Date.now() - started).toBeLessThan(5000);
    next.child.send('go');
    await expectCleanExits([next]);
    expectWholeLog(checkLog(fs.readFileSync(file, 'utf8'), [PER_PROCESS]), PER_PROCESS);
  });

  it("a live writer's socket is never stolen: a second process becomes forwarder, the first stays writer", async () => {
    const { sock, file } = shortTempDir();
    const first = await readyAs('writer', peer(sock, file, 0));
    const inode = fs.statSync(sock).ino;

    const second = await readyAs('forwarder', peer(sock, file, 1));
    expect(fs.statSync(sock).ino, 'the socket file is the first writer’s still').toBe(inode);
    // The second one logs everything and closes while the first still waits.
    second.child.send('go');
    await expectCleanExits([second]);
    first.child.send('go');
    await expectCleanExits([first]);

    const [a, b] = [reportOf(first), reportOf(second)] as unknown as IpcReport[];
    expect(a?.role).toBe('writer');
    expect(b?.role).toBe('forwarder');
    expect(b?.stats.ipc).toMatchObject({ acked: PER_PROCESS, directWrites: 0, writerLost: 0 });
    expect(a?.stats.ipc.received).toBe(b?.stats.ipc.forwarded);
    const check = checkLog(fs.readFileSync(file, 'utf8'), [PER_PROCESS, PER_PROCESS]);
    expectWholeLog(check, 2 * PER_PROCESS);
  });
});
