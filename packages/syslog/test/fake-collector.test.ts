import { once } from 'node:events';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FaninError } from '@fanin/core';
import { describe, expect, it, onTestFinished } from 'vitest';
import { encodeFrame, RelpParser } from '../src/relp-frame.js';
import { createSyslogWriter } from '../src/syslog-writer.js';

// A hand-written RELP peer on a real socket: `answer` decides what each syslog frame gets, so
// that refusals, server-closed sessions and garbage can be played against the real client.
type Answer = (txnr: number, nth: number, socket: net.Socket) => string | undefined;

const OPEN_OK = 'relp_version=0\nrelp_software=fake\ncommands=syslog';

async function fakeCollector(answer: Answer, openAnswer?: string, atPort = 0) {
  const received: string[] = [];
  let nth = 0;
  let sessions = 0;
  const server = net.createServer((socket) => {
    sessions++;
    const parser = new RelpParser(1 << 20);
    socket.on('error', () => {});
    socket.on('data', (bytes) => {
      for (const f of parser.push(bytes)) {
        // A session this peer ended takes no more records.
        if (socket.writableEnded || socket.destroyed) break;
        if (f.command === 'open')
          socket.write(openAnswer ?? encodeFrame(f.txnr, 'rsp', `200 OK\n${OPEN_OK}`));
        else if (f.command === 'close') socket.end(encodeFrame(f.txnr, 'rsp', ''));
        else {
          const reply = answer(f.txnr, ++nth, socket);
          if (reply === undefined) continue;
          if (reply.startsWith('200')) received.push(f.data.toString());
          socket.write(
            reply.startsWith('2') || reply.startsWith('5')
              ? encodeFrame(f.txnr, 'rsp', reply)
              : reply,
          );
        }
      }
    });
  });
  server.listen(atPort, '127.0.0.1');
  await once(server, 'listening');
  onTestFinished(() => new Promise<void>((r) => server.close(() => r())));
  const { port } = server.address() as net.AddressInfo;
  return { port, received, sessions: () => sessions, server };
}

function open(port: number, extra: Record<string, unknown> = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fanin-fake-'));
  onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
  const errors: FaninError[] = [];
  const writer = createSyslogWriter({
    target: `relp://127.0.0.1:${port}`,
    spoolDir: dir,
    reconnectMinMs: 10,
    reconnectMaxMs: 50,
    onError: (e) => errors.push(e),
    ...extra,
  });
  onTestFinished(() => writer.close({ timeoutMs: 100 }).then(() => {}));
  return { writer, errors, dir };
}

const seqOf = (msg: string) => Number(/ s="(\d+)"\]/.exec(msg)?.[1]);

/** Sequence numbers received, first copies only, and the number of duplicates. */
function firstCopies(received: string[]) {
  const seen = new Set<number>();
  const order: number[] = [];
  for (const m of received) {
    const s = seqOf(m);
    if (!seen.has(s)) order.push(s);
    seen.add(s);
  }
  return { order, duplicates: received.length - order.length };
}

const range = (n: number) => Array.from({ length: n }, (_, k) => k + 1);

describe('the RELP client against a fake collector', () => {
  for (const [name, reply] of [
    ['HTTP instead of RELP', 'HTTP/1.1 400 Bad Request\r\n\r\n'],
    ['a frame without trailer', '1 rsp 6 200 OKXX'],
    ['an open refused', encodeFrame(1, 'rsp', '500 go away').toString()],
    [
      'an open without the syslog command',
      encodeFrame(1, 'rsp', '200 OK\nrelp_version=0').toString(),
    ],
  ] as const) {
    it(`garbage on open (${name}): a clear error, no crash, records kept in the spool`, async () => {
      const fake = await fakeCollector(() => undefined, reply);
      const { writer, errors } = open(fake.port);
      for (let i = 0; i < 10; i++) writer.write(`r${i}\n`, 'info');
      const outcome = await writer.close({ timeoutMs: 300 });
      expect(outcome).toMatchObject({ abandoned: 0, timedOut: true });
      expect(errors[0]?.code).toMatch(/^ERR_FANIN_(FRAME|WRITE)$/);
      expect(errors[0]?.message).toMatch(/RELP|collector/);
      expect(writer.stats().syslog.acknowledged).toBe(0);
      expect(writer.stats().dropped.total).toBe(0);
    });
  }

  it('garbage answering a syslog frame ends the session; the record is resent on the next one', async () => {
    const fake = await fakeCollector((_txnr, nth, socket) => {
      if (nth !== 5) return '200 OK';
      socket.end('garbage!\n');
      return undefined;
    });
    const { writer, errors } = open(fake.port);
    for (let i = 0; i < 20; i++) writer.write(`r${i}\n`, 'info');
    expect(await writer.close({ timeoutMs: 5000 })).toMatchObject({ timedOut: false });
    expect(errors.some((e) => e.code === 'ERR_FANIN_FRAME')).toBe(true);
    expect(firstCopies(fake.received).order).toEqual(range(20));
    expect(fake.sessions()).toBeGreaterThanOrEqual(2);
  });

  it('a 500 answer is retried on a new session; every record arrives', async () => {
    const fake = await fakeCollector((_txnr, nth) => (nth === 3 ? '500 busy' : '200 OK'));
    const { writer } = open(fake.port);
    for (let i = 0; i < 50; i++) writer.write(`r${i}\n`, 'info');
    expect(await writer.close({ timeoutMs: 5000 })).toMatchObject({ timedOut: false });
    // The fake acknowledged the frames after the refused one (as a collector may): those arrive
    // twice, and the refused one after them.
    const { order, duplicates } = firstCopies(fake.received);
    expect([...order].sort((a, b) => a - b)).toEqual(range(50));
    const s = writer.stats();
    expect(s.syslog.refused).toBe(1);
    expect(duplicates).toBeLessThanOrEqual(s.syslog.resent);
    expect(s.dropped.total).toBe(0);
  });

  it('a record refused maxRefusals times is dropped as "refused", counted; the others arrive', async () => {
    const fake = await fakeCollector(() => '200 OK');
    // Refuse every copy of the record numbered 7.
    fake.server.removeAllListeners('connection');
    fake.server.on('connection', (socket) => {
      const parser = new RelpParser(1 << 20);
      // The client ends a session that refused a record at once: a reset here is expected (an
      // unhandled one failed a full run under load).
      socket.on('error', () => {});
      socket.on('data', (bytes) => {
        for (const f of parser.push(bytes)) {
          const data = f.data.toString();
          if (f.command === 'open') socket.write(encodeFrame(f.txnr, 'rsp', `200 OK\n${OPEN_OK}`));
          else if (f.command === 'close') socket.end(encodeFrame(f.txnr, 'rsp', ''));
          else if (seqOf(data) === 7) socket.write(encodeFrame(f.txnr, 'rsp', '500 no'));
          else {
            fake.received.push(data);
            socket.write(encodeFrame(f.txnr, 'rsp', '200 OK'));
          }
        }
      });
    });
    const { writer } = open(fake.port, { maxRefusals: 3 });
    for (let i = 0; i < 20; i++) writer.write(`r${i}\n`, 'info');
    expect(await writer.close({ timeoutMs: 5000 })).toMatchObject({ timedOut: false });
    expect(firstCopies(fake.received).order).toEqual(range(20).filter((s) => s !== 7));
    expect(writer.stats().dropped.byReason).toEqual({ refused: 1 });
  });

  it('serverclose mid-run: reconnects and resends every unacknowledged frame in order', async () => {
    const fake = await fakeCollector((_txnr, nth, socket) => {
      if (nth !== 30) return '200 OK';
      socket.end('0 serverclose 0\n');
      return undefined;
    });
    const { writer } = open(fake.port, { windowSize: 8 });
    for (let i = 0; i < 100; i++) writer.write(`r${i}\n`, 'info');
    expect(await writer.close({ timeoutMs: 5000 })).toMatchObject({ timedOut: false });
    const { order, duplicates } = firstCopies(fake.received);
    expect(order).toEqual(range(100));
    expect(duplicates).toBeLessThanOrEqual(8);
    expect(writer.stats().syslog.reconnects).toBe(1);
  });

  it('a full spool drops (counted exactly), stays within its bound, and tells the collector', async () => {
    const probe = await fakeCollector(() => undefined);
    const port = probe.port;
    await new Promise<void>((r) => probe.server.close(() => r()));
    const limit = 64 * 1024;
    const { writer, dir } = open(port, { maxSpoolBytes: limit, segmentBytes: 16 * 1024 });
    const record = `${'x'.repeat(100)}\n`;
    for (let i = 0; i < 3000; i++) writer.write(record, i % 2 ? 'info' : 'debug');
    await writer.flush(); // the collector is down: resolves once the records are in the spool
    const full = writer.stats().dropped.byReason['spool-full'] ?? 0;
    expect(full).toBeGreaterThan(0);
    const onDisk = fs
      .readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith('.seg'))
      .reduce((n, e) => n + fs.statSync(path.join(e.parentPath, e.name)).size, 0);
    expect(onDisk).toBeLessThanOrEqual(limit);
    // The collector comes up: everything spooled is delivered; the next record brings the notice.
    const fake = await fakeCollector(() => '200 OK', undefined, port);
    await writer.flush({ timeoutMs: 10_000 });
    writer.write(record, 'info');
    expect(await writer.close({ timeoutMs: 10_000 })).toMatchObject({ timedOut: false });
    const delivered = fake.received.filter((m) => m.endsWith(record.trim()));
    expect(delivered.length + full).toBe(3001);
    const notice = fake.received.find((m) => m.includes('records lost'));
    expect(notice).toContain(`"spool-full":${full}`);
    expect(notice).toMatch(/^<12>1 /); // user.warning
  });
});
