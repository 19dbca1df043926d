import { once } from 'node:events';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  frame,
  type IpcReport,
  MIXED_RECORDS,
  messagesCount,
  messagesOf,
  shortTempDir,
} from './helpers/ipc.js';
import { expectCleanExits, reportOf } from './helpers/processes.js';
import { endAndCheck, socketWriter, writerAndForwarder } from './helpers/socket-peers.js';

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

describe('@fanin/ipc via socket: a peer that breaks the protocol', () => {
  it('garbage, an oversize header and a cut-off frame close those connections while 2 real peers log; the writer goes on', async () => {
    const { sock, file } = shortTempDir();
    // Both log 20 records every 2 ms; the writer holds its end until the forwarder is done (a
    // writer closing under a closing forwarder is another test's matter: ipc-socket-kill).
    const pair = await writerAndForwarder(sock, file, { flags: ['pace:2'] });
    const { writer, forwarder } = pair;
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

    // Whole and exactly once, the real forwarder never noticed; nothing of the garbage reached
    // the log.
    const { w, f } = await endAndCheck(pair, file);
    expect(fs.readFileSync(file, 'utf8')).not.toContain('GET /');
    expect(w.role).toBe('writer');
    expect(w.stats.ipc.protocolErrors).toBeGreaterThanOrEqual(3);
    expect(w.errors.every((e) => e.code === 'ERR_FANIN_FRAME')).toBe(true);
    expect(w.errors.map((e) => e.message).join('\n')).toMatch(/bad magic/);
    expect(w.errors.map((e) => e.message).join('\n')).toMatch(/over maxFrameBytes/);
    expect(w.errors.map((e) => e.message).join('\n')).toMatch(/closed inside a frame/);
    expect(f.stats.ipc.acked + f.stats.ipc.directWrites).toBe(MIXED_RECORDS);
  });

  it('one bad connection counts one protocol error and one report', async () => {
    const { sock, file } = shortTempDir();
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
