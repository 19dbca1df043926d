import { once } from 'node:events';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkLog, expectWholeLog } from './helpers/check-log.js';
import {
  frame,
  type IpcReport,
  messagesCount,
  messagesOf,
  planned,
  shortTempDir,
  socketWriter,
} from './helpers/ipc.js';
import {
  expectCleanExits,
  type Forked,
  forkFixture,
  messageOf,
  reportOf,
} from './helpers/processes.js';

const COUNTS = '1500,20,2';
const PER_PROCESS = planned(COUNTS);
// A TEXT frame (type 6), the only batch frame of version 1.
const TEXT = 6;

/** Connects to `sock`, writes `bytes` (then ends, with `end`), and waits for the close. */
async function rawPeer(sock: string, bytes: Buffer, { end = false } = {}): Promise<void> {
  const socket = net.connect(sock);
  socket.on('error', () => {});
  await once(socket, 'connect');
  const closed = once(socket, 'close');
  if (end) socket.end(bytes);
  else socket.write(bytes);
  socket.resume();
  await closed;
}

/** An ipc-peer on `sock` that settles its election, says 'ready' and waits for 'go'. */
function peer(sock: string, file: string, p: number, counts: string, flags: string[] = []): Forked {
  return forkFixture('ipc-peer', [
    ...['writer', sock, file, String(p), counts, 'close', '-'],
    ...['settle', 'wait', ...flags],
  ]);
}

describe('@fanin/ipc via socket: a peer that breaks the protocol', () => {
  it('garbage, an oversize header and a cut-off frame close those connections while 2 real peers log; the writer goes on', async () => {
    const { dir, sock } = shortTempDir();
    const file = path.join(dir, 'app.log');
    // Both log 20 records every 2 ms; the writer holds its end until the forwarder is done (a
    // writer closing under a closing forwarder is another test's matter: ipc-socket-kill).
    const writer = peer(sock, file, 0, COUNTS, ['pace:2', 'hold']);
    expect(await messageOf(writer, 'ready')).toMatchObject({ role: 'writer' });
    const forwarder = peer(sock, file, 1, COUNTS, ['pace:2']);
    expect(await messageOf(forwarder, 'ready')).toMatchObject({ role: 'forwarder' });
    for (const f of [writer, forwarder]) f.child.send('go');
    await messagesCount(forwarder, 'progress', 1);

    // Each is closed by the writer (or, cut off, closed by the sender): the wait is the close.
    await rawPeer(sock, Buffer.from('GET / HTTP/1.1\r\nHost: fanin\r\n\r\n'));
    const huge = frame(TEXT, Buffer.alloc(0));
    huge.writeUInt32BE(0xfffffff0, 4);
    await rawPeer(sock, huge);
    const cut = frame(TEXT, Buffer.alloc(100, 1)).subarray(0, 40);
    await rawPeer(sock, cut, { end: true });
    // The forwarder was still logging: the garbage came in the middle of its records.
    expect(messagesOf(forwarder, 'closing')).toEqual([]);

    await expectCleanExits([forwarder]);
    await messageOf(writer, 'logged');
    writer.child.send('end');
    await expectCleanExits([writer]);
    const check = checkLog(fs.readFileSync(file, 'utf8'), [PER_PROCESS, PER_PROCESS]);
    // Whole and exactly once; nothing of the garbage reached the log.
    expectWholeLog(check, 2 * PER_PROCESS);
    expect(fs.readFileSync(file, 'utf8')).not.toContain('GET /');

    const [w, f] = [reportOf(writer), reportOf(forwarder)] as unknown as IpcReport[];
    expect(w?.role).toBe('writer');
    expect(w?.stats.ipc.protocolErrors).toBeGreaterThanOrEqual(3);
    expect(w?.errors.every((e) => e.code === 'ERR_FANIN_FRAME')).toBe(true);
    expect(w?.errors.map((e) => e.message).join('\n')).toMatch(/bad magic/);
    expect(w?.errors.map((e) => e.message).join('\n')).toMatch(/over maxFrameBytes/);
    expect(w?.errors.map((e) => e.message).join('\n')).toMatch(/closed inside a frame/);
    // The real forwarder never noticed.
    expect(f?.stats.ipc).toMatchObject({ writerLost: 0, resent: 0 });
    expect((f?.stats.ipc.acked ?? 0) + (f?.stats.ipc.directWrites ?? 0)).toBe(PER_PROCESS);
  });

  it('one bad connection counts one protocol error and one report', async () => {
    const { dir, sock } = shortTempDir();
    const file = path.join(dir, 'app.log');
    const writer = await socketWriter(sock, file, '10,0,0');
    await rawPeer(sock, Buffer.from('GET / HTTP/1.1\r\n\r\n'));
    writer.child.send('go');
    await expectCleanExits([writer]);
    const w = reportOf(writer) as unknown as IpcReport;
    // One report, naming the cause; not a second one for the close the writer itself caused.
    expect(w.errors.map((e) => e.message)).toEqual([expect.stringMatching(/bad magic/)]);
    expect(w.stats.ipc.protocolErrors).toBe(1);
  });
});
