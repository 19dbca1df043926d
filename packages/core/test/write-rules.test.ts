import { describe, expect, it } from 'vitest';
import winston from 'winston';
import {
  BatchWriter,
  createFileWriter,
  FaninTransport,
  type FileWriterOptions,
} from '../src/index.js';
import { FileTarget } from '../src/internal.js';
import { MemoryDriver } from '../src/testing/index.js';
import { FILE, linesOf, memWriter, noticeOf, rec, until } from './helpers.js';

describe('one rule for huge records', () => {
  it('a record up to maxRecordBytes is written whole even when larger than maxBufferBytes, with records queued', async () => {
    const { mem, writer } = memWriter({ maxBufferBytes: 1000, minWriteIntervalMs: 0 });
    writer.write(rec(1));
    const huge = `${'h'.repeat(5000)}\n`;
    expect(writer.write(huge)).toBe(true);
    writer.write(rec(2));
    await writer.flush();
    expect(linesOf(mem.read(FILE))).toEqual(['r1.......', 'h'.repeat(5000), 'r2.......']);
    expect(writer.stats().dropped.total).toBe(0);
    await writer.close();
  });

  it('while the target fails, a second huge record finds the buffer full (memory stays bounded)', async () => {
    const { fault, writer } = memWriter({ maxBufferBytes: 1000, retryMinMs: 10_000 });
    fault.failWrites('EIO', 1);
    writer.write(rec(0));
    writer.flushSync();
    const huge = `${'h'.repeat(5000)}\n`;
    expect(writer.write(huge)).toBe(true);
    expect(writer.write(huge, 'info')).toBe(false);
    expect(writer.stats().dropped.byReason).toEqual({ EIO: 1, 'queue-full': 1 });
    await writer.close({ timeoutMs: 1 });
  });
});

describe('takesBlocks: the batch writer owns whether a block may be written whole', () => {
  it('a lazy target opens to learn its kind; a FIFO takes the block record by record', async () => {
    for (const kind of ['file', 'fifo'] as const) {
      const mem = new MemoryDriver();
      if (kind === 'fifo') mem.mknod(FILE, 'fifo');
      const writer = createFileWriter({
        ...{ filename: FILE, driver: mem, lazy: true, exitHook: false, chunkBytes: 512 },
      } as FileWriterOptions);
      expect(writer.takesBlocks).toBe(false);
      writer.writeBlock(Buffer.from(rec(1) + rec(2) + rec(3)), 3);
      await writer.flush();
      expect(writer.takesBlocks).toBe(kind === 'file');
      expect(linesOf(mem.read(FILE))).toEqual(['r1.......', 'r2.......', 'r3.......']);
      expect(writer.stats().records).toBe(3);
      await writer.close();
    }
  });
});

describe('the file target owns the newline after a tear', () => {
  it('a write that lands part of a record is followed by a newline, and the flag clears only once it lands', async () => {
    const { fault, writer, mem } = memWriter({ retryMinMs: 1 });
    fault.shortWrite(4).failWrites('ENOSPC', 1);
    writer.write(rec(1));
    writer.flushSync();
    // The newline itself fails too: it is tried again with the next write.
    fault.failWrites('ENOSPC', 2);
    writer.write(rec(2));
    await until(() => expect(writer.stats().dropped.total).toBe(2));
    writer.write(rec(3));
    await until(() => expect(writer.stats().records).toBe(1));
    const lines = linesOf(mem.read(FILE));
    expect(lines[0]).toBe('r1..');
    expect(noticeOf(lines[1] ?? '')).toMatchObject({ lost: 2, byReason: { ENOSPC: 2 } });
    expect(lines.slice(2)).toEqual(['r3.......']);
    expect((writer.sink as FileTarget).tornTails).toBe(1);
    await writer.close();
  });

  it("another process's fragment at the end of the file: the next batch starts on a new line", () => {
    const mem = new MemoryDriver();
    const other = mem.open(FILE, 0, 0);
    mem.write(other, Buffer.from('{"cut":'));
    const writer = new BatchWriter(new FileTarget({ filename: FILE, driver: mem }), {
      exitHook: false,
    });
    writer.write(rec(1));
    writer.flushSync();
    expect(mem.read(FILE)).toBe(`{"cut":\n${rec(1)}`);
  });
});

describe("winston: 'write after end'", () => {
  class MemTransport extends FaninTransport {
    constructor(options: Record<string, unknown>) {
      super(options, {
        name: 'MemTransport',
        createWriter: (o, where) => createFileWriter(o as FileWriterOptions, where),
      });
    }
  }

  for (const listening of [false, true]) {
    it(`is counted in the writer's stats as closed (${listening ? 'the app listens for errors' : 'thrown to the caller, as without fanin'})`, async () => {
      const mem = new MemoryDriver();
      const transport = new MemTransport({ filename: FILE, driver: mem, exitHook: false });
      const logger = winston.createLogger({ transports: [transport] });
      const heard: string[] = [];
      if (listening) logger.on('error', (e: Error) => heard.push(e.message));
      logger.info('before');
      await new Promise<void>((resolve) => {
        logger.on('finish', () => resolve());
        logger.end();
      });
      const late = () => logger.info('late');
      if (listening) late();
      else expect(late).toThrow('write after end');
      expect(heard).toEqual(listening ? ['write after end'] : []);
      expect(transport.writer.stats().dropped.byReason).toEqual({ closed: 1 });
    });
  }
});
