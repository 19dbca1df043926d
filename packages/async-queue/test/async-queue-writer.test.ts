import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  type AsyncQueueOptions,
  AsyncQueueTransport,
  createAsyncQueueWriter,
} from '@fanin/async-queue';
import { FaninError } from '@fanin/core';
import { prng } from '@fanin/core/testing';
import { afterAll, describe, expect, it, onTestFinished, vi } from 'vitest';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fanin-async-writer-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

let files = 0;

/** A writer on a fresh file, closed when the test ends. */
function open(options: AsyncQueueOptions = {}) {
  const file = path.join(tmp, `${files++}.log`);
  const writer = createAsyncQueueWriter({ filename: file, ...options });
  onTestFinished(async () => {
    await writer.close();
  });
  return { file, writer };
}

/**
 * At-least-once, as documented for a writer thread that dies: every record of 0 … n-1 is there,
 * first appearances in order, and what repeats is at most one batch (64 KiB of 100-byte lines).
 */
function expectAtLeastOnce(seq: number[], n: number): void {
  const firsts = seq.filter((s, i) => seq.indexOf(s) === i);
  expect(firsts).toEqual(range(0, n));
  expect(seq.length - n).toBeLessThanOrEqual(655);
}

/** A JSON line of `bytes` bytes carrying the sequence number `s`. */
function line(s: number, bytes = 100): string {
  const head = `{"s":${s},"pad":"`;
  return `${head}${'x'.repeat(bytes - head.length - 3)}"}\n`;
}

/** The sequence numbers of the file's lines; throws on a line that is not whole JSON. */
function sequenceOf(file: string): number[] {
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  expect(text === '' || text.endsWith('\n'), 'the file ends on a whole line').toBe(true);
  return text
    .split('\n')
    .slice(0, -1)
    .map((l) => (JSON.parse(l) as { s: number }).s);
}

/** A small seeded PRNG, so a failing mix of sizes can be replayed. */
const seeded = prng;

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
const LEVELS = ['debug', 'info', 'warn', 'error'];

describe('createAsyncQueueWriter: writing', () => {
  it('many records: flush() resolves once all are in the file, in order; stats() counts them', async () => {
    const { file, writer } = open();
    for (let s = 0; s < 20_000; s++) {
      expect(writer.write(line(s), LEVELS[s % 4])).toBe(true);
    }
    expect(await writer.flush()).toMatchObject({ abandoned: 0, timedOut: false });

    expect(sequenceOf(file)).toEqual(range(0, 20_000));
    expect(writer.stats()).toMatchObject({
      records: 20_000,
      dropped: { total: 0 },
      queueDepth: 0,
      queue: { capacityBytes: 8 * 1024 * 1024, usedBytes: 0, fallbackWrites: 0, workerAlive: true },
    });
  });

  it('ready() resolves once the writer thread runs; records written before it are kept, in order', async () => {
    const { file, writer } = open();
    for (let s = 0; s < 100; s++) writer.write(line(s));
    await writer.ready();
    for (let s = 100; s < 200; s++) writer.write(line(s));
    await writer.flush();
    expect(sequenceOf(file)).toEqual(range(0, 200));
  });

  it('AsyncQueueTransport.ready() resolves once its writer thread runs', async () => {
    const file = path.join(tmp, `${files++}.log`);
    const transport = new AsyncQueueTransport({ filename: file });
    onTestFinished(async () => {
      await transport.writer.close();
    });
    await transport.ready();
    expect(transport.writer.stats().queue?.workerAlive).toBe(true);
  });

  it("many turns' blocks go out together (one writev of several ring entries): the file is exact", async () => {
    const { file, writer } = open();
    await writer.ready();
    const next = () => new Promise((resolve) => setImmediate(resolve));
    for (let turn = 0; turn < 400; turn++) {
      for (let i = 0; i < 50; i++) writer.write(line(turn * 50 + i, 60 + ((turn + i) % 90)));
      await next();
    }
    await writer.flush();
    expect(sequenceOf(file)).toEqual(range(0, 20_000));
    expect(writer.stats()).toMatchObject({ records: 20_000, dropped: { total: 0 } });
  });

  it('a record larger than the ring is written by the calling thread after the ring drained, in order', async () => {
    const { file, writer } = open({ capacityBytes: '64K' });
    for (let s = 0; s < 500; s++) writer.write(line(s), 'info');
    expect(writer.write(line(500, 100_000), 'info')).toBe(true);
    for (let s = 501; s < 1000; s++) writer.write(line(s), 'info');
    await writer.flush();

    expect(sequenceOf(file)).toEqual(range(0, 1000));
    expect(writer.stats()).toMatchObject({
      records: 1000,
      dropped: { total: 0 },
      queue: { fallbackWrites: 1, workerAlive: true },
    });
  });

  it('a 5 MB record with the default 8 MiB ring is written whole, in order with the records around it', async () => {
    const { file, writer } = open();
    for (let s = 0; s < 1000; s++) writer.write(line(s), 'info');
    expect(writer.write(line(1000, 5_000_000), 'info')).toBe(true);
    for (let s = 1001; s < 2000; s++) writer.write(line(s), 'info');
    await writer.flush();

    expect(sequenceOf(file)).toEqual(range(0, 2000));
    expect(writer.stats()).toMatchObject({ records: 2000, dropped: { total: 0 } });
  });

  it('a 5 MB record (over half the 8 MiB ring) goes through the fallback: queue.fallbackWrites 1', async () => {
    const { writer } = open();
    for (let s = 0; s < 1000; s++) writer.write(line(s), 'info');
    writer.write(line(1000, 5_000_000), 'info');
    await writer.flush();
    expect(writer.stats().queue?.fallbackWrites).toBe(1);
  });

  it('records of mixed sizes in multi-byte UTF-8, strings and bytes, through a 4 KiB ring: the file is their exact concatenation', async () => {
    const { file, writer } = open({ capacityBytes: 4096 });
    const random = seeded(7);
    const expected: Buffer[] = [];
    for (let s = 0; s < 3000; s++) {
      // 10 bytes a unit (1-, 2-, 3- and 4-byte characters); now and then one over the ring.
      const units = s % 100 === 99 ? 500 : Math.floor(random() * 150);
      const text = `${JSON.stringify({ s, text: 'aé€😀'.repeat(units) })}\n`;
      const bytes = Buffer.from(text);
      expected.push(bytes);
      expect(writer.write(s % 2 === 0 ? text : bytes, 'info')).toBe(true);
    }
    await writer.flush();

    expect(fs.readFileSync(file).equals(Buffer.concat(expected))).toBe(true);
    expect(writer.stats()).toMatchObject({ records: 3000, dropped: { total: 0 } });
  });

  it("close(), then write: returns false, counted as 'closed'", async () => {
    const { file, writer } = open();
    writer.write(line(0), 'info');
    expect(await writer.close()).toMatchObject({ abandoned: 0, timedOut: false });

    expect(writer.write(line(1), 'info')).toBe(false);
    expect(writer.stats().dropped).toEqual({
      total: 1,
      byReason: { closed: 1 },
      byLevel: { info: 1 },
    });
    expect(sequenceOf(file)).toEqual([0]);
  });
});

describe("createAsyncQueueWriter: writer 'locked'", () => {
  it('@fanin/locked-file, loaded for it alone, writes every record under its lock', async () => {
    const { file, writer } = open({ writer: 'locked' });
    for (let s = 0; s < 2000; s++) writer.write(line(s), 'info');
    await writer.close();
    expect(sequenceOf(file)).toEqual(range(0, 2000));
    // Posted by the writer thread with its last stats: the lock was taken.
    expect(writer.stats()).toMatchObject({ records: 2000, dropped: { total: 0 } });
    expect(writer.stats().lock?.acquired).toBeGreaterThan(0);
  });
});

describe('createAsyncQueueWriter: the writer thread dies', () => {
  it('records still in the ring and every later one are written by the calling thread; onError is told', async () => {
    const onError = vi.fn();
    const { file, writer } = open({ onError });
    writer.write(line(0), 'info');
    // The thread is up and idle: it sleeps until the next wake-up.
    await writer.flush();
    // Under a quarter of the ring, so the wake-up waits for the next event-loop turn and the
    // records are still queued (in the ring, or held back for it as one block) when the thread
    // is stopped.
    for (let s = 1; s < 5000; s++) writer.write(line(s), 'info');
    expect(writer.stats().queueDepth).toBeGreaterThan(0);

    await writer.thread.terminate();
    expect(onError).toHaveBeenCalledTimes(1);
    const [err] = onError.mock.calls[0] as [FaninError];
    expect(err).toBeInstanceOf(FaninError);
    expect(err.code).toBe('ERR_FANIN_WRITE');
    expect(err.message).toMatch(/writer thread died/);
    expect(writer.stats().queue).toMatchObject({ usedBytes: 0, workerAlive: false });
    expectAtLeastOnce(sequenceOf(file), 5000);

    for (let s = 5000; s < 10_000; s++) expect(writer.write(line(s), 'info')).toBe(true);
    // Written synchronously: in the file before any event-loop turn.
    expectAtLeastOnce(sequenceOf(file), 10_000);
    expect(writer.stats().dropped.total).toBe(0);
  });

  it('after the take-over, stats().queueDepth is 0', async () => {
    const { writer } = open({ onError: () => {} });
    writer.write(line(0), 'info');
    await writer.flush();
    for (let s = 1; s < 100; s++) writer.write(line(s), 'info');
    await writer.thread.terminate();
    expect(writer.stats()).toMatchObject({ records: 100, queueDepth: 0 });
  });

  it('a write blocked for room while the thread dies is written by the calling thread, not dropped', async () => {
    // With 'block' instead of { blockMs } the write below never returns.
    // A blocked thread cannot see the Worker's 'exit' event: it takes over once the tail has not
    // moved for exitTimeoutMs, which must be shorter than blockMs for the record to be kept.
    const { file, writer } = open({
      capacityBytes: 4096,
      whenFull: { blockMs: 500 },
      exitTimeoutMs: 50,
      onError: () => {},
    });
    writer.write(line(0), 'info');
    await writer.flush();
    const exited = writer.thread.terminate();
    // 45 records of 104 ring bytes: 39 fit in 4 KiB, then each write waits for room.
    for (let s = 1; s < 45; s++) writer.write(line(s), 'info');
    await exited;
    expect(writer.stats().dropped.total).toBe(0);
    expect(sequenceOf(file)).toEqual(range(0, 45));
  });
});
