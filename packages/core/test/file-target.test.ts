import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import {
  createFileWriter,
  FaninError,
  type FaninWriteError,
  type FileDriver,
} from '../src/index.js';
import { FileTarget, NETWORK_FS_TYPES, nodeFileDriver } from '../src/internal.js';
import { FaultDriver, MemoryDriver } from '../src/testing/index.js';
import {
  FILE,
  joinPieces,
  linesOf,
  memWriter,
  noticeOf,
  RecordingDriver,
  until,
} from './helpers.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fanin-core-target-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('FileTarget: what it opened decides the atomic limit', () => {
  it('opens a regular file O_RDWR | O_APPEND | O_CREAT (to read its last byte), mode 0o666 unless given', () => {
    for (const mode of [undefined, 0o640]) {
      const rd = new RecordingDriver();
      const target = new FileTarget({ filename: FILE, driver: rd, ...(mode ? { mode } : {}) });
      target.open();
      const { O_RDWR, O_APPEND, O_CREAT } = fs.constants;
      expect(rd.opens).toEqual([
        { path: FILE, flags: O_RDWR | O_APPEND | O_CREAT, mode: mode ?? 0o666 },
      ]);
      expect(target.atomicLimit).toBe(Number.POSITIVE_INFINITY);
    }
  });

  for (const kind of ['fifo', 'socket', 'char'] as const) {
    it(`uses chunkBytes (default PIPE_BUF) as the limit of a ${kind}`, () => {
      for (const chunkBytes of [undefined, 512]) {
        const mem = new MemoryDriver();
        mem.mknod('/dev/thing', kind);
        const target = new FileTarget({
          filename: '/dev/thing',
          driver: mem,
          ...(chunkBytes ? { chunkBytes } : {}),
        });
        target.open();
        expect(target.atomicLimit).toBe(chunkBytes ?? 4096);
      }
    });
  }

  it('refuses a directory with EISDIR and closes what it opened', () => {
    const mem = new MemoryDriver();
    mem.mknod('/logs', 'directory');
    const target = new FileTarget({ filename: '/logs', driver: mem });
    expect(() => target.open()).toThrow(expect.objectContaining({ code: 'EISDIR' }));
    expect(mem.openCount()).toBe(0);
    expect(target.fd).toBe(-1);
  });

  it('writes to a descriptor it was given and never closes or reopens it', () => {
    const mem = new MemoryDriver();
    const fd = mem.open(FILE, 0, 0o666);
    const target = new FileTarget({ fd, driver: mem, reopenCheckMs: 0 });
    target.writeAll(Buffer.from('a\n'));
    mem.rename(FILE, `${FILE}.1`);
    target.prepare(2);
    expect(target.reopenIfMoved()).toBe(false);
    target.writeAll(Buffer.from('b\n'));
    target.close();
    expect(mem.openCount()).toBe(1);
    expect(mem.read(`${FILE}.1`)).toBe('a\nb\n');
  });

  it('createFileWriter opens at once and fails there with ERR_FANIN_OPEN', () => {
    const mem = new MemoryDriver();
    const fault = new FaultDriver(mem).failOpens('EACCES', 1);
    let caught: unknown;
    try {
      createFileWriter({ filename: FILE, driver: fault }, 'MyTransport');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(FaninError);
    expect(caught).toMatchObject({
      code: 'ERR_FANIN_OPEN',
      message: expect.stringMatching(
        /^MyTransport: cannot open log file \/logs\/app\.log \(EACCES\)/,
      ),
      cause: expect.objectContaining({ code: 'EACCES' }),
    });
    // Not lazy: the file exists before the first record.
    expect(memWriter().mem.read(FILE)).toBe('');
  });
});

describe('FileTarget: writeAll', () => {
  it('continues short writes until the data is written', () => {
    const mem = new MemoryDriver();
    const fault = new FaultDriver(mem).shortWrite(3).shortWrite(0).shortWrite(4);
    const target = new FileTarget({ filename: FILE, driver: fault });
    target.open();
    target.writeAll(Buffer.from('0123456789\n'));
    expect(mem.read(FILE)).toBe('0123456789\n');
    expect(mem.writes).toEqual([3, 0, 4, 4]);
    expect(target.counters.retries).toBe(3);
  });

  it('writes parts back to back with one writev, and continues a short one mid-part', () => {
    const mem = new MemoryDriver();
    const fault = new FaultDriver(mem).shortWrite(5);
    const target = new FileTarget({ filename: FILE, driver: fault });
    target.open();
    target.writeParts(['ab\n', 'cde\n', 'f\n'].map((t) => Buffer.from(t)));
    // 5 bytes ("ab\ncd") end inside the second part; the rest goes in one more writev.
    expect(mem.read(FILE)).toBe('ab\ncde\nf\n');
    expect(mem.writes).toEqual([5, 4]);
    expect(target.counters.retries).toBe(1);
    target.writeParts(['g\n', 'h\n'].map((t) => Buffer.from(t)));
    expect(mem.writes).toEqual([5, 4, 4]);
  });

  it('joins parts into one write when the driver has no writev, or past IOV_MAX parts', () => {
    const mem = new MemoryDriver();
    // A driver of its own (the `driver` option) may have no writev.
    const noWritev = Object.defineProperty(new FaultDriver(mem), 'writev', { value: undefined });
    expect(noWritev.writev).toBeUndefined();
    const target = new FileTarget({ filename: FILE, driver: noWritev });
    target.open();
    target.writeParts(['a\n', 'b\n'].map((t) => Buffer.from(t)));
    expect(mem.writes).toEqual([4]);
    const many = Array.from({ length: 1500 }, (_, i) => Buffer.from(`${i}\n`));
    const counted = new FaultDriver(mem);
    const t2 = new FileTarget({ filename: FILE, driver: counted });
    t2.open();
    t2.writeParts(many);
    expect(counted.writeCalls).toBe(1);
    expect(mem.read(FILE)?.split('\n').length).toBe(1503);
  });

  it('throws the errno error with the bytes it did write', () => {
    const mem = new MemoryDriver();
    const fault = new FaultDriver(mem).shortWrite(5).failWrites('EIO', 1);
    const target = new FileTarget({ filename: FILE, driver: fault });
    target.open();
    expect(() => target.writeAll(Buffer.from('hello world\n'))).toThrow(
      expect.objectContaining({ code: 'EIO', bytesWritten: 5 }),
    );
  });

  it('starts the next record on a new line after a torn write', async () => {
    const mem = new MemoryDriver();
    const fault = new FaultDriver(mem).shortWrite(5).failWrites('EIO', 1);
    const writer = createFileWriter({
      filename: FILE,
      driver: fault,
      retryMinMs: 5,
      onError: () => {},
      exitHook: false,
    });
    writer.write('hello world\n');
    await until(() => expect(writer.stats().dropped.total).toBe(1));
    writer.write('next\n');
    await until(() => expect(writer.stats().records).toBe(1));
    const lines = linesOf(mem.read(FILE));
    expect(lines.at(-1)).toBe('next');
    expect(noticeOf(lines.at(-2) ?? '')).toMatchObject({ lost: 1 });
  });
});

describe('FileTarget: reopen after the path changes', () => {
  for (const change of ['rename', 'unlink'] as const) {
    it(`reopens after ${change}: later records go to the new file, none to the old`, () => {
      const { mem, writer } = memWriter({ reopenCheckMs: 0 });
      writer.write('before\n');
      writer.flushSync();
      if (change === 'rename') mem.rename(FILE, `${FILE}.1`);
      else mem.unlink(FILE);
      writer.write('after 1\n');
      writer.flushSync();
      writer.write('after 2\n');
      writer.flushSync();
      expect(writer.stats().reopenings).toBe(1);
      expect(mem.read(FILE)).toBe('after 1\nafter 2\n');
      if (change === 'rename') expect(mem.read(`${FILE}.1`)).toBe('before\n');
      expect(mem.openCount()).toBe(1);
    });
  }

  it('does not reopen while the path names the open file', () => {
    const { mem, writer } = memWriter({ reopenCheckMs: 0 });
    for (let i = 0; i < 5; i++) {
      writer.write(`${i}\n`);
      writer.flushSync();
    }
    expect(writer.stats().reopenings).toBe(0);
    expect(mem.read(FILE)).toBe('0\n1\n2\n3\n4\n');
  });

  it('notices a rename within reopenCheckMs, not before', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(1_000_000);
      const { mem, writer } = memWriter({ reopenCheckMs: 100 });
      mem.rename(FILE, `${FILE}.1`);
      vi.setSystemTime(1_000_050);
      writer.write('within the bound\n');
      writer.flushSync();
      vi.setSystemTime(1_000_100);
      writer.write('after the bound\n');
      writer.flushSync();
      expect(mem.read(`${FILE}.1`)).toBe('within the bound\n');
      expect(mem.read(FILE)).toBe('after the bound\n');
      expect(writer.stats().reopenings).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('counts a failed reopen as a write error and opens at the next batch', async () => {
    const { mem, fault, writer, onError } = memWriter({
      reopenCheckMs: 0,
      retryMinMs: 5,
      formatNotice: null,
    });
    mem.unlink(FILE);
    fault.failOpens('EMFILE', 1);
    writer.write('lost\n');
    writer.flushSync();
    expect(writer.stats()).toMatchObject({ writeErrors: 1, dropped: { byReason: { EMFILE: 1 } } });
    writer.write('kept\n');
    await until(() => expect(writer.stats().records).toBe(1));
    expect(mem.read(FILE)).toBe('kept\n');
    expect(onError.mock.calls.map(([e]) => (e as FaninWriteError).reason)).toEqual(['EMFILE']);
  });
});

describe('FileTarget: network file systems', () => {
  for (const [magic, name] of [
    [0x6969, 'NFS'],
    [0xff534d42, 'CIFS/SMB'],
  ] as const) {
    it(`warns once through onWarning on ${name}, naming @fanin/locked-file`, () => {
      const mem = new MemoryDriver();
      mem.fsMagic = magic;
      const onWarning = vi.fn<(m: string) => void>();
      const writer = createFileWriter({ filename: FILE, driver: mem, onWarning, exitHook: false });
      writer.write('x\n');
      writer.flushSync();
      expect(onWarning).toHaveBeenCalledTimes(1);
      expect(onWarning.mock.calls[0]?.[0]).toBe(
        `${FILE} is on ${name}: O_APPEND does not keep writes of several clients whole there; use @fanin/locked-file`,
      );
      expect(NETWORK_FS_TYPES.get(magic)).toBe(name);
    });
  }

  it('says nothing on a local file system', () => {
    const onWarning = vi.fn<(m: string) => void>();
    const { writer } = memWriter({ onWarning });
    writer.write('x\n');
    writer.flushSync();
    expect(onWarning).not.toHaveBeenCalled();
  });

  it('does not warn again when it reopens the file after a rotation', () => {
    const mem = new MemoryDriver();
    mem.fsMagic = 0x6969;
    const onWarning = vi.fn<(m: string) => void>();
    const writer = createFileWriter({
      filename: FILE,
      driver: mem,
      onWarning,
      reopenCheckMs: 0,
      exitHook: false,
    });
    mem.rename(FILE, `${FILE}.1`);
    writer.write('x\n');
    writer.flushSync();
    expect(writer.stats().reopenings).toBe(1);
    expect(onWarning).toHaveBeenCalledTimes(1);
  });
});

describe('FileTarget on the real file system', () => {
  it('creates parent directories and the file with the given mode', async () => {
    const file = path.join(tmp, 'a', 'b', 'app.log');
    const writer = createFileWriter({ filename: file, mode: 0o640, exitHook: false });
    writer.write('one\n');
    await writer.close();
    expect(fs.readFileSync(file, 'utf8')).toBe('one\n');
    const umask = process.umask();
    expect(fs.statSync(file).mode & 0o777).toBe(0o640 & ~umask);
  });

  it('fails with ENOENT when mkdir is false and the directory is missing', () => {
    const file = path.join(tmp, 'missing', 'app.log');
    expect(() => createFileWriter({ filename: file, mkdir: false, exitHook: false })).toThrow(
      expect.objectContaining({
        code: 'ERR_FANIN_OPEN',
        message: expect.stringContaining('ENOENT'),
      }),
    );
  });

  it('follows a real rename (logrotate create mode)', async () => {
    const file = path.join(tmp, 'rotate.log');
    const writer = createFileWriter({ filename: file, reopenCheckMs: 0, exitHook: false });
    writer.write('old\n');
    writer.flushSync();
    fs.renameSync(file, `${file}.1`);
    writer.write('new\n');
    await writer.close();
    expect(fs.readFileSync(`${file}.1`, 'utf8')).toBe('old\n');
    expect(fs.readFileSync(file, 'utf8')).toBe('new\n');
    expect(writer.stats().reopenings).toBe(1);
  });

  it('chunks records larger than PIPE_BUF on a real FIFO', async () => {
    const fifo = path.join(tmp, 'fifo');
    execFileSync('mkfifo', [fifo]);
    // A non-blocking reader first, so that the writer's open does not wait for one.
    const reader = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    try {
      const written: Buffer[] = [];
      const driver: FileDriver = {
        ...nodeFileDriver,
        write: (fd, data) => {
          written.push(Buffer.from(data));
          return nodeFileDriver.write(fd, data);
        },
      };
      const writer = createFileWriter({ filename: fifo, driver, exitHook: false });
      expect(writer.sink.atomicLimit).toBe(4096);
      // Less than the 64 KiB pipe buffer: the writer never blocks on this single thread.
      const records = ['small\n', `${'é'.repeat(10_000)}\n`, `${'x'.repeat(20_000)}\n`, 'end\n'];
      for (const r of records) writer.write(r);
      writer.flushSync();
      for (const w of written) expect(w.length).toBeLessThanOrEqual(4096);
      const got: Buffer[] = [];
      const buf = Buffer.alloc(65_536);
      for (;;) {
        let n = 0;
        try {
          n = fs.readSync(reader, buf);
        } catch (err) {
          if ((err as { code?: string }).code === 'EAGAIN') break;
          throw err;
        }
        if (n === 0) break;
        got.push(Buffer.from(buf.subarray(0, n)));
      }
      const joined = await joinPieces(got);
      expect(joined.output.toString()).toBe(records.join(''));
      expect(writer.stats()).toMatchObject({ records: 4, chunkedRecords: 2 });
      await writer.close();
    } finally {
      fs.closeSync(reader);
    }
  });
});
