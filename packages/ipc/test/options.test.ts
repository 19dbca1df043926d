import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { FaninError, type Writer } from '@fanin/core';
import { optionError } from '@fanin/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { configure, createIpcWriter, IpcTransport } from '../src/index.js';

const require = createRequire(import.meta.url);
const log4js = require('log4js') as typeof import('log4js');
// log4js calls an appender module's configure(config, layouts) with its own layouts module.
const layouts = require('log4js/lib/layouts') as Parameters<typeof configure>[1];

// Under /tmp itself: socket paths must stay short.
const tmp = fs.mkdtempSync('/tmp/fanin-');
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const filename = path.join(tmp, 'app.log');

/** Each front end, made the way its framework makes it; returns the writer underneath. */
const FRONT_ENDS: Record<string, (options: Record<string, unknown>) => Writer> = {
  writer: (o) => createIpcWriter({ filename, ...o } as Parameters<typeof createIpcWriter>[0]),
  winston: (o) =>
    new IpcTransport({ filename, ...o } as ConstructorParameters<typeof IpcTransport>[0]).writer,
  log4js: (o) => configure({ type: '@fanin/ipc', filename, ...o }, layouts).writer,
  'log4js.configure': (o) => {
    let writer: Writer | undefined;
    // The appender module as an object, so that the classes are this file's (not the CJS build's).
    const type = {
      configure: (config: Record<string, unknown>, l: unknown) => {
        const appender = configure(config, l as typeof layouts);
        writer = appender.writer;
        return appender;
      },
    };
    log4js.configure({
      appenders: { a: { type, filename, ...o } },
      categories: { default: { appenders: ['a'], level: 'info' } },
      disableClustering: true,
    });
    return writer as Writer;
  },
};

// A fresh directory under tmp and a name padded to make the absolute path exactly `bytes` long.
function socketPathOf(bytes: number): string {
  const dir = fs.mkdtempSync(path.join(tmp, 's-'));
  const name = 's'.repeat(bytes - dir.length - 1 - '.sock'.length);
  return path.join(dir, `${name}.sock`);
}

describe('@fanin/ipc options', () => {
  for (const [frontEnd, make] of Object.entries(FRONT_ENDS)) {
    it(`${frontEnd}: a missing "via" is rejected, naming it and what it may be`, () => {
      const err = optionError(() => make({}));
      expect(err.option).toBe('via');
      expect(err.message).toMatch(/"via" is required/);
      expect(err.message).toContain('"cluster", "parent", "pm2" or { socket');
    });

    for (const via of [
      'tcp',
      'Cluster',
      42,
      { socket: '' },
      { path: '/tmp/x' },
      null,
      ['cluster'],
    ]) {
      it(`${frontEnd}: via ${JSON.stringify(via)} is rejected, naming "via"`, () => {
        const err = optionError(() => make({ via }));
        expect(err.option).toBe('via');
        expect(err.message).toContain('"via"');
      });
    }

    it(`${frontEnd}: via { socket, extra } is rejected (one key only)`, () => {
      const err = optionError(() => make({ via: { socket: '/tmp/x.sock', mode: 0o600 } }));
      expect(err.option).toBe('via');
    });

    it(`${frontEnd}: fd is rejected as unsupported: the writer is another process`, () => {
      const err = optionError(() => make({ via: 'cluster', fd: 1 }));
      expect(err.option).toBe('fd');
      expect(err.message).toMatch(/"fd" is not supported/);
      expect(err.message).toMatch(/another process/);
    });

    it(`${frontEnd}: driver is rejected as unsupported`, () => {
      const err = optionError(() => make({ via: 'cluster', driver: {} }));
      expect(err.option).toBe('driver');
      expect(err.message).toMatch(/"driver" is not supported/);
    });

    it(`${frontEnd}: a socket path over 107 bytes is rejected, naming "via" and the limit`, () => {
      const socket = socketPathOf(108);
      expect(Buffer.byteLength(socket)).toBe(108);
      const err = optionError(() => make({ via: { socket } }));
      expect(err.option).toBe('via');
      expect(err.message).toContain(socket);
      expect(err.message).toMatch(/longer than 107 bytes/);
    });

    it(`${frontEnd}: a relative socket path is measured once resolved`, () => {
      const dir = fs.mkdtempSync(path.join(tmp, 'r-'));
      const relative = path.relative(process.cwd(), path.join(dir, 'x'.repeat(110)));
      const err = optionError(() => make({ via: { socket: relative } }));
      expect(err.option).toBe('via');
    });

    it(`${frontEnd}: an unknown option is rejected, naming it`, () => {
      const err = optionError(() => make({ via: 'cluster', windowByte: '64K' }));
      expect(err.option).toBe('windowByte');
      expect(err.message).toContain('"windowByte"');
    });

    const wrongTypes: [string, unknown][] = [
      ['windowBytes', 'lots'],
      ['maxFrameBytes', 0],
      ['connectTimeoutMs', -1],
      ['exitTimeoutMs', 1.5],
      ['maxPeers', 0],
      ['maxPeerBufferBytes', 'lots'],
      ['frameTimeoutMs', 0],
      // It must hold one whole frame: else a peer sending one could never be served.
      ['maxPeerBufferBytes', '1M'],
    ];
    for (const [option, value] of wrongTypes) {
      it(`${frontEnd}: ${option} ${JSON.stringify(value)} is rejected, naming it`, () => {
        const err = optionError(() => make({ via: 'cluster', [option]: value }));
        expect(err.option).toBe(option);
        expect(err.message).toContain(`"${option}"`);
      });
    }
  }

  it('writer: a missing filename is rejected, naming it', () => {
    const err = optionError(() =>
      createIpcWriter({ via: 'cluster' } as Parameters<typeof createIpcWriter>[0]),
    );
    expect(err.option).toBe('filename');
  });

  it('writer: a socket path of exactly 107 bytes is accepted (and served, mode 0600)', async () => {
    const socket = socketPathOf(107);
    const writer = createIpcWriter({ filename, via: { socket } });
    try {
      expect(writer.write('{"m":"hello"}\n', 'info')).toBe(true);
      await writer.flush();
      expect(writer.role).toBe('writer');
      expect(fs.statSync(socket).mode & 0o777).toBe(0o600);
    } finally {
      await writer.close();
    }
  });

  it('writer: attach() in a process that is not the writer is refused', async () => {
    const socket = path.join(tmp, 'a.sock');
    const first = createIpcWriter({ filename, via: { socket } });
    first.write('{"m":"one"}\n');
    await first.flush();
    const second = createIpcWriter({ filename, via: { socket } });
    second.write('{"m":"two"}\n');
    await second.flush();
    try {
      expect([first.role, second.role]).toEqual(['writer', 'forwarder']);
      expect(() => second.attach(process as never)).toThrow(FaninError);
    } finally {
      await second.close();
      await first.close();
    }
  });
});

const RAW_CHILD = path.join(__dirname, '../../../test/fixtures/ipc-raw-child.cjs');

/**
 * Forks the hand-written peer (test/fixtures/ipc-raw-child.cjs, with `mode`), has `writer`
 * serve it, and resolves once it exited cleanly, with what it reported (its non-fanin messages).
 */
async function serveRawChild(writer: Writer, mode?: string) {
  const child = fork(RAW_CHILD, mode ? [mode] : [], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const reports: { kind: string; [k: string]: unknown }[] = [];
  child.on('message', (m) => {
    if ((m as { fanin?: unknown }).fanin === undefined) reports.push(m as never);
  });
  (writer as unknown as { attach(c: ChildProcess): void }).attach(child);
  const [code] = (await once(child, 'exit')) as [number | null];
  expect(code).toBe(0);
  return reports;
}

describe('maxRecordBytes while forwarding', () => {
  it("the writer refuses a peer's record over maxRecordBytes (a peer that does not check) and writes the rest of its batch", async () => {
    const file = path.join(tmp, 'peer-oversize.log');
    const errors: FaninError[] = [];
    // In this (primary) process, via 'cluster' makes the writer; attach() serves a forked peer.
    const writer = createIpcWriter({
      filename: file,
      via: 'cluster',
      maxRecordBytes: 1000,
      onError: (e) => errors.push(e),
    });
    await serveRawChild(writer);
    await writer.close();
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    expect(lines.filter((l) => !l.includes('"fanin":{"lost":1'))).toEqual(['a', 'b', '']);
    expect(writer.stats().dropped).toMatchObject({ total: 1, byReason: { oversize: 1 } });
    expect(errors.map((e) => e.code)).toEqual(['ERR_FANIN_RECORD']);
  });

  it('a record over maxRecordBytes is dropped at write(), counted and reported, while forwarding too; the others are written', async () => {
    const file = path.join(tmp, 'oversize.log');
    const errors: FaninError[] = [];
    const writer = createIpcWriter({
      filename: file,
      via: { socket: path.join(tmp, 'oversize.sock') },
      maxRecordBytes: 1000,
      onError: (e) => errors.push(e),
    });
    // Right after creation the election is still going on: the record would be forwarded.
    expect(writer.stats().ipc?.role).toBe('connecting');
    expect(writer.write('a\n')).toBe(true);
    expect(writer.write(`${'x'.repeat(1500)}\n`, 'info')).toBe(false);
    expect(writer.write('b\n')).toBe(true);
    await writer.close();
    // The loss is also put in the log, as every drop is.
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    expect(lines.filter((l) => !l.includes('"fanin":{"lost":1'))).toEqual(['a', 'b', '']);
    expect(lines.filter((l) => l.includes('"byReason":{"oversize":1}'))).toHaveLength(1);
    expect(writer.stats().dropped).toMatchObject({ total: 1, byReason: { oversize: 1 } });
    expect(errors.map((e) => e.code)).toEqual(['ERR_FANIN_RECORD']);
    expect(errors[0]?.message).toContain('maxRecordBytes (1000)');
  });
});

describe('the private socket a cluster primary or fork parent offers its peers', () => {
  it('owner-only directory and socket, a key in the welcome: a HELLO without it is refused and counted; a peer with it is served; removed at close', async () => {
    const file = path.join(tmp, 'private.log');
    const errors: FaninError[] = [];
    const writer = createIpcWriter({
      filename: file,
      via: 'cluster',
      onError: (e) => errors.push(e),
    });
    const reports = await serveRawChild(writer, 'private');
    const offered = reports.find((r) => r.kind === 'private') as unknown as {
      sock: string;
      key: string;
    };
    expect(offered).toMatchObject({ dirMode: '700', sockMode: '600' });
    expect(offered.key).toMatch(/^[0-9a-f]{32}$/);
    expect(reports.find((r) => r.kind === 'keyless')).toEqual({
      kind: 'keyless',
      answer: 'closed',
    });
    expect(writer.stats().ipc).toMatchObject({ protocolErrors: 1, received: 3 });
    expect(errors.map((e) => e.message)).toEqual([expect.stringMatching(/HELLO without the key/)]);
    await writer.close();
    expect(fs.readFileSync(file, 'utf8')).toBe(`a\n${'x'.repeat(1500)}\nb\n`);
    expect(fs.existsSync(path.dirname(offered.sock))).toBe(false);
  });

  it('privateSocket: false offers none: the peer sends over its channel', async () => {
    const file = path.join(tmp, 'no-private.log');
    const writer = createIpcWriter({ filename: file, via: 'cluster', privateSocket: false });
    // In 'private' mode the raw child only sends over a private socket; with none offered it
    // sends its channel batch (the welcome has no sock) and exits on the acknowledgement.
    await serveRawChild(writer, 'private');
    await writer.close();
    expect(fs.readFileSync(file, 'utf8')).toBe(`a\n${'x'.repeat(1500)}\nb\n`);
  });
});

describe('private socket directories left by writers that died without their exit handler', () => {
  it("are removed when a writer makes its own: only this user's, only those whose pid is gone", async () => {
    const { removeStaleSides } = await import('../src/private-socket.js');
    const { spawnSync } = await import('node:child_process');
    const root = fs.mkdtempSync(path.join(tmp, 'sweep-'));
    const dead = spawnSync(process.execPath, ['-e', '0']).pid as number;
    const dirs = {
      dead: `fanin-ipc-${dead}-aB3xyz`,
      self: `fanin-ipc-${process.pid}-aB3xyz`,
      init: 'fanin-ipc-1-aB3xyz',
      other: 'fanin-ipc-notapid',
    };
    for (const d of Object.values(dirs)) {
      fs.mkdirSync(path.join(root, d));
      fs.writeFileSync(path.join(root, d, 's'), '');
    }
    expect(removeStaleSides(root)).toBe(1);
    expect(fs.readdirSync(root).sort()).toEqual([dirs.init, dirs.other, dirs.self].sort());
  });
});
