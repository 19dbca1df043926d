import { describe, expect, it } from 'vitest';
import { BatchWriter, createFileWriter } from '../src/index.js';
import { FileTarget } from '../src/internal.js';
import { MemoryDriver } from '../src/testing/index.js';
import {
  FILE,
  joinPieces,
  linesOf,
  memWriter,
  noise,
  noticeOf,
  RecordingDriver,
  rec,
  seeded,
  until,
  utf8Text,
} from './helpers.js';

const PIPE = '/logs/pipe';
const toBuffer = (r: string | Buffer): Buffer => (typeof r === 'string' ? Buffer.from(r) : r);
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/**
 * Two records of `level` were dropped for `reason`, counted so in stats(), and reported once
 * through onError with `code`.
 */
function expectTwoDropped(
  { writer, onError }: Pick<ReturnType<typeof memWriter>, 'writer' | 'onError'>,
  reason: string,
  level: string,
  code: string,
): void {
  expect(writer.stats().dropped).toEqual({
    total: 2,
    byReason: { [reason]: 2 },
    byLevel: { [level]: 2 },
  });
  expect(onError).toHaveBeenCalledTimes(1);
  expect(onError.mock.calls[0]?.[0]).toMatchObject({ code, reason });
}

describe('BatchWriter: coalescing', () => {
  it('writes the records of one event-loop turn with one write(2), after the turn', async () => {
    const { mem, writer } = memWriter();
    const records = Array.from({ length: 100 }, (_, i) => rec(i));
    for (const r of records) expect(writer.write(r)).toBe(true);
    expect(mem.writes).toEqual([]);
    expect(writer.stats()).toMatchObject({ records: 0, queueDepth: 100, queueBytes: 1000 });

    await until(() => expect(writer.stats().records).toBe(100));
    expect(mem.writes).toEqual([1000]);
    expect(mem.read(FILE)).toBe(records.join(''));
    expect(writer.stats()).toMatchObject({ bytes: 1000, queueDepth: 0, queueBytes: 0 });
  });

  it('writes the records of the next turn with the next write(2)', async () => {
    const { mem, writer } = memWriter();
    writer.write(rec(1));
    await until(() => expect(writer.stats().records).toBe(1));
    writer.write(rec(2));
    writer.write(rec(3));
    await until(() => expect(writer.stats().records).toBe(3));
    expect(mem.writes).toEqual([10, 20]);
  });

  it('minWriteIntervalMs: turns that end soon after a write wait, then go in one write(2)', async () => {
    const gap = 400;
    const { mem, writer } = memWriter({ minWriteIntervalMs: gap });
    writer.write(rec(1));
    // After a quiet spell: at the end of its turn, as without the option.
    await until(() => expect(mem.writes).toEqual([10]));
    const firstAt = performance.now();
    writer.write(rec(2));
    await nextTurn();
    writer.write(rec(3));
    await nextTurn();
    expect(mem.writes).toEqual([10]);
    expect(writer.stats()).toMatchObject({ records: 1, queueDepth: 2 });
    await until(() => expect(mem.writes).toEqual([10, 20]));
    // Timers are ms-grained and may fire a little early against performance.now().
    expect(performance.now() - firstAt).toBeGreaterThan(gap - 50);
    expect(mem.read(FILE)).toBe(rec(1) + rec(2) + rec(3));
  });

  it('minWriteIntervalMs: a full batch still goes at once; flushSync and close do not wait', async () => {
    const { mem, writer } = memWriter({ minWriteIntervalMs: 1000, batchBytes: 100 });
    writer.write(rec(0));
    await until(() => expect(mem.writes).toEqual([10]));
    for (let i = 1; i <= 10; i++) writer.write(rec(i));
    expect(mem.writes).toEqual([10, 100]);
    writer.write(rec(11));
    await nextTurn();
    expect(mem.writes).toEqual([10, 100]);
    expect(writer.flushSync()).toEqual({ written: 1, abandoned: 0, timedOut: false });
    writer.write(rec(12));
    const startedAt = performance.now();
    await writer.close();
    expect(performance.now() - startedAt).toBeLessThan(500);
    expect(mem.writes).toEqual([10, 100, 10, 10]);
    expect(mem.read(FILE)).toBe(Array.from({ length: 13 }, (_, i) => rec(i)).join(''));
  });

  it('writes inline when the open batch reaches batchBytes, never splitting a record', async () => {
    const { mem, writer } = memWriter({ batchBytes: 100 });
    const records = Array.from({ length: 10 }, (_, i) => rec(i, 24)); // 25 bytes each
    for (const r of records.slice(0, 4)) writer.write(r);
    expect(mem.writes).toEqual([100]);
    for (const r of records.slice(4)) writer.write(r);
    expect(mem.writes).toEqual([100, 100]);
    await until(() => expect(writer.stats().records).toBe(10));
    expect(mem.writes).toEqual([100, 100, 50]);
    expect(mem.read(FILE)).toBe(records.join(''));
  });

  it('writes a record larger than batchBytes alone and whole when it opens a batch', () => {
    const { mem, writer } = memWriter({ batchBytes: 100 });
    const big = `${'b'.repeat(499)}\n`;
    writer.write(big);
    expect(mem.writes).toEqual([500]);
    expect(mem.read(FILE)).toBe(big);
  });

  it('writes a record larger than batchBytes alone even after small ones', async () => {
    const { mem, writer } = memWriter({ batchBytes: 100 });
    writer.write(rec(0));
    writer.write(`${'b'.repeat(499)}\n`);
    await until(() => expect(writer.stats().records).toBe(2));
    expect(mem.writes).toEqual([10, 500]);
  });

  it('writes strings and Uint8Arrays byte for byte, in order', async () => {
    const { mem, writer } = memWriter();
    writer.write('é€😀\n');
    writer.write(Buffer.from('bytes\n'));
    writer.write(new TextEncoder().encode('typed array\n'));
    await writer.flush();
    expect(mem.read(FILE)).toBe('é€😀\nbytes\ntyped array\n');
    expect(writer.stats().bytes).toBe(Buffer.byteLength('é€😀\nbytes\ntyped array\n'));
  });
});

describe('BatchWriter: pipe targets (FIFO)', () => {
  it('writes each turn at its end whatever minWriteIntervalMs (writes are PIPE_BUF at most)', async () => {
    const rd = new RecordingDriver();
    rd.mknod(PIPE, 'fifo');
    const writer = createFileWriter({
      filename: PIPE,
      driver: rd,
      minWriteIntervalMs: 1000,
      exitHook: false,
    });
    writer.write(rec(1));
    await until(() => expect(writer.stats().records).toBe(1));
    writer.write(rec(2));
    await nextTurn();
    await until(() => expect(writer.stats().records).toBe(2), 500);
    await writer.close();
  });

  for (const chunkBytes of [256, 4096]) {
    it(`keeps every write within ${chunkBytes} bytes and frames larger records`, async () => {
      const rd = new RecordingDriver();
      rd.mknod(PIPE, 'fifo');
      const writer = createFileWriter({ filename: PIPE, driver: rd, chunkBytes, exitHook: false });
      expect(writer.sink.atomicLimit).toBe(chunkBytes);
      const records = [
        rec(1),
        Buffer.from(`${'x'.repeat(chunkBytes - 1)}\n`),
        Buffer.from(`${'y'.repeat(chunkBytes)}\n`),
        Buffer.concat([utf8Text(10_000), Buffer.from('\n')]),
        rec(2),
        Buffer.concat([noise(seeded(5), 100_000), Buffer.from('\n')]),
        Buffer.concat([utf8Text(300_000), Buffer.from('\n')]),
        rec(3),
      ];
      for (const r of records) writer.write(r);
      await writer.flush();

      for (const n of rd.writes) expect(n).toBeLessThanOrEqual(chunkBytes);
      const joined = await joinPieces([rd.bytes()]);
      expect(joined.output.equals(Buffer.concat(records.map(toBuffer)))).toBe(true);
      expect(joined.warnings).toEqual([]);
      expect(writer.stats()).toMatchObject({ records: 8, chunkedRecords: 4 });
      // Records that fit are written as plain lines that a reader without the joiner can use.
      expect(rd.bytes().includes(rec(1))).toBe(true);
      expect(rd.bytes().includes(Buffer.from(`${'x'.repeat(chunkBytes - 1)}\n`))).toBe(true);
      await writer.close();
    });
  }

  it('keeps writes within PIPE_BUF on a FIFO opened lazily', async () => {
    const mem = new MemoryDriver();
    mem.mknod(PIPE, 'fifo');
    const writer = createFileWriter({ filename: PIPE, driver: mem, lazy: true, exitHook: false });
    writer.write(`${'z'.repeat(10_000)}\n`);
    await writer.flush();
    expect(mem.writes.length).toBeGreaterThan(1);
    for (const n of mem.writes) expect(n).toBeLessThanOrEqual(4096);
  });
});

describe('BatchWriter: flush and close', () => {
  it('flush resolves once everything is written; flushSync writes before returning', async () => {
    const { mem, writer } = memWriter();
    writer.write(rec(1));
    writer.write(rec(2));
    expect(await writer.flush()).toEqual({ written: 2, abandoned: 0, timedOut: false });
    writer.write(rec(3));
    expect(writer.flushSync()).toEqual({ written: 1, abandoned: 0, timedOut: false });
    expect(mem.read(FILE)).toBe(rec(1) + rec(2) + rec(3));
  });

  it('flush with a timeout while the target fails reports what it abandoned', async () => {
    const { mem, fault, writer } = memWriter({ retryMinMs: 60_000 });
    fault.failWrites('EIO', 1);
    writer.write(rec(1));
    expect(writer.flushSync()).toEqual({ written: 0, abandoned: 0, timedOut: false });
    writer.write(rec(2));
    writer.write(rec(3));
    const started = Date.now();
    expect(await writer.flush({ timeoutMs: 30 })).toEqual({
      written: 0,
      abandoned: 2,
      timedOut: true,
    });
    expect(Date.now() - started).toBeLessThan(1000);
    // Abandoned by flush is not lost: the records stay queued for the next try.
    expect(writer.stats()).toMatchObject({ queueDepth: 2, dropped: { total: 1 } });
    expect(mem.read(FILE)).toBe('');
    expect(writer.flushSync()).toEqual({ written: 2, abandoned: 0, timedOut: false });
  });

  it('close with a timeout drops what is left as close-timeout and releases the file', async () => {
    const { mem, fault, writer, onError, lines } = memWriter({ retryMinMs: 60_000 });
    fault.failWrites('EIO', 1);
    writer.write(rec(1));
    writer.flushSync();
    writer.write(rec(2));
    writer.write(rec(3));
    expect(await writer.close({ timeoutMs: 20 })).toEqual({
      written: 0,
      abandoned: 2,
      timedOut: true,
    });
    expect(writer.stats().dropped).toMatchObject({
      total: 3,
      byReason: { EIO: 1, 'close-timeout': 2 },
    });
    expect(onError.mock.calls.map(([e]) => e)).toEqual([
      expect.objectContaining({ reason: 'EIO', records: 1 }),
      expect.objectContaining({ reason: 'close-timeout', records: 2 }),
    ]);
    // The losses are told in the log itself before the file is released.
    expect(lines().map(noticeOf)).toEqual([
      expect.objectContaining({ lost: 3, byReason: { EIO: 1, 'close-timeout': 2 } }),
    ]);
    expect(mem.openCount()).toBe(0);
  });

  it('drops a write after close as closed, once reported, and notes it in the log at exit', async () => {
    const { mem, writer, onError, lines } = memWriter();
    writer.write(rec(1));
    expect(await writer.close()).toEqual({ written: 1, abandoned: 0, timedOut: false });
    expect(writer.write(rec(2), 'info')).toBe(false);
    expect(writer.write(rec(3), 'info')).toBe(false);
    expectTwoDropped({ writer, onError }, 'closed', 'info', 'ERR_FANIN_CLOSED');
    expect(await writer.close()).toEqual({ written: 0, abandoned: 0, timedOut: false });
    expect(lines()).toEqual(['r1.......']);
    // The exit hook's flushSync reopens the target for the notice, then closes it again.
    writer.flushSync();
    expect(lines()[0]).toBe('r1.......');
    expect(noticeOf(lines()[1] ?? '')).toMatchObject({ lost: 2, byReason: { closed: 2 } });
    expect(mem.openCount()).toBe(0);
  });
});

describe('BatchWriter: records it refuses', () => {
  it('drops a record over maxRecordBytes as oversize', async () => {
    const { writer, onError, lines } = memWriter({ maxRecordBytes: 100 });
    const fits = `${'x'.repeat(99)}\n`;
    expect(writer.write(fits)).toBe(true);
    expect(writer.write(`${'x'.repeat(100)}\n`, 'warn')).toBe(false);
    expect(writer.write(new Uint8Array(101), 'warn')).toBe(false);
    await writer.flush();
    expectTwoDropped({ writer, onError }, 'oversize', 'warn', 'ERR_FANIN_RECORD');
    expect(onError.mock.calls[0]?.[0]?.message).toContain('maxRecordBytes (100)');
    const [notice, ...rest] = lines();
    expect(noticeOf(notice ?? '')).toMatchObject({ lost: 2, byReason: { oversize: 2 } });
    expect(rest).toEqual([fits.trim()]);
  });

  it('measures maxRecordBytes in bytes for strings with multi-byte characters', () => {
    const { writer } = memWriter({ maxRecordBytes: 100 });
    const euros = `${'€'.repeat(40)}\n`; // 41 UTF-16 units, 121 bytes
    expect(writer.write(euros)).toBe(false);
    expect(writer.stats().dropped.byReason).toEqual({ oversize: 1 });
  });

  it('drops a record that is neither a string nor a Uint8Array as invalid-record', async () => {
    const { writer, onError } = memWriter();
    for (const bad of [42, null, undefined, { message: 'hi' }, ['a\n']]) {
      expect(writer.write(bad as unknown as string, 'error')).toBe(false);
    }
    expect(writer.write('fine\n')).toBe(true);
    await writer.flush();
    expect(writer.stats()).toMatchObject({
      records: 1,
      dropped: { total: 5, byReason: { 'invalid-record': 5 }, byLevel: { error: 5 } },
    });
    expect(onError).toHaveBeenCalledTimes(1);
    expect(onError.mock.calls[0]?.[0]).toMatchObject({
      code: 'ERR_FANIN_RECORD',
      reason: 'invalid-record',
      message: expect.stringContaining('got number'),
    });
  });
});

describe('BatchWriter: a full buffer', () => {
  const twenty = Array.from({ length: 20 }, (_, i) => rec(i));

  it('whenFull drop: refuses records past maxBufferBytes as queue-full', async () => {
    const { mem, writer, lines } = memWriter({ maxBufferBytes: 100, batchBytes: 10_000 });
    expect(twenty.map((r) => writer.write(r))).toEqual(twenty.map((_, i) => i < 10));
    expect(mem.writes).toEqual([]);
    await until(() => expect(writer.stats().records).toBe(10));
    expect(writer.stats().dropped).toMatchObject({ total: 10, byReason: { 'queue-full': 10 } });
    expect(lines().slice(1)).toEqual(twenty.slice(0, 10).map((r) => r.trim()));
  });

  for (const whenFull of ['block', { blockMs: 50 }] as const) {
    it(`whenFull ${JSON.stringify(whenFull)}: writes synchronously to make room`, async () => {
      const { mem, writer } = memWriter({ maxBufferBytes: 100, batchBytes: 10_000, whenFull });
      expect(twenty.map((r) => writer.write(r))).toEqual(twenty.map(() => true));
      expect(mem.writes).toEqual([100]);
      await until(() => expect(writer.stats().records).toBe(20));
      expect(mem.writes).toEqual([100, 100]);
      expect(mem.read(FILE)).toBe(twenty.join(''));
      expect(writer.stats().dropped.total).toBe(0);
    });
  }

  for (const whenFull of ['drop', 'block'] as const) {
    it(`whenFull ${whenFull} during a back-off after a failed write`, async () => {
      const { writer, fault, lines } = memWriter({
        maxBufferBytes: 100,
        batchBytes: 10_000,
        retryMinMs: 60_000,
        whenFull,
      });
      fault.failWrites('EIO', 1);
      writer.write(rec(99));
      writer.flushSync();
      const accepted = twenty.map((r) => writer.write(r));
      if (whenFull === 'drop') {
        // Nothing is written before the back-off ends: the buffer bounds what waits.
        expect(accepted).toEqual(twenty.map((_, i) => i < 10));
        expect(writer.stats()).toMatchObject({ records: 0, queueDepth: 10, queueBytes: 100 });
        expect(writer.stats().dropped.byReason).toEqual({ EIO: 1, 'queue-full': 10 });
        expect(lines()).toEqual([]);
      } else {
        // Blocking writes now, ignoring the back-off, and nothing more is lost.
        expect(accepted).toEqual(twenty.map(() => true));
        await until(() => expect(writer.stats().records).toBe(20));
        const [notice, ...rest] = lines();
        expect(noticeOf(notice ?? '')).toMatchObject({ lost: 1, byReason: { EIO: 1 } });
        expect(rest).toEqual(twenty.map((r) => r.trim()));
      }
      await writer.close({ timeoutMs: 0 });
    });
  }
});

describe('BatchWriter on a bare FileTarget', () => {
  it('works without createFileWriter and reports through stats()', async () => {
    const mem = new MemoryDriver();
    const writer = new BatchWriter(new FileTarget({ filename: FILE, driver: mem }), {
      exitHook: false,
    });
    writer.write(rec(1));
    writer.noteDropped('adapter', 2, 'debug');
    await writer.close();
    // The notice of the losses noted so far goes before the batch that follows them.
    const [notice, line] = linesOf(mem.read(FILE));
    expect(line).toBe('r1.......');
    expect(noticeOf(notice ?? '')).toMatchObject({ lost: 2, byReason: { adapter: 2 } });
    expect(writer.stats()).toMatchObject({
      records: 1,
      dropped: { total: 2, byReason: { adapter: 2 }, byLevel: { debug: 2 } },
    });
  });
});
