import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  type AsyncQueueOptions,
  type AsyncQueueWriter,
  createAsyncQueueWriter,
} from '@fanin/async-queue';
import type { FaninError, FaninWriteError } from '@fanin/core';
import { afterAll, describe, expect, it, onTestFinished, vi } from 'vitest';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fanin-async-stalled-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const CAPACITY = 64 * 1024;
const RECORD = 100;
// In the ring a record takes a 4-byte length, then its bytes padded to 4 (ring.ts): 104 bytes.
const SLOT = 4 + RECORD;
const FITS = Math.floor(CAPACITY / SLOT);
// What the test writes into the pipe before the writer thread opens it: whole 4 KiB lines,
// each one write(2) of at most PIPE_BUF, so each goes in whole or not at all (pipe(7)).
const FILLER = `{"filler":"${'f'.repeat(4096 - 15)}"}\n`;

/** A `RECORD`-byte JSON line carrying the sequence number `s`. */
function line(s: number): string {
  const head = `{"s":${s},"pad":"`;
  return `${head}${'x'.repeat(RECORD - head.length - 3)}"}\n`;
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/** The lines of a FIFO's output, fillers left out: the sequence numbers and the other lines. */
function parse(text: string): { seq: number[]; others: Record<string, unknown>[] } {
  const seq: number[] = [];
  const others: Record<string, unknown>[] = [];
  for (const l of text.split('\n')) {
    if (l === '' || l === FILLER.slice(0, -1)) continue;
    const value = JSON.parse(l) as Record<string, unknown>;
    if (typeof value.s === 'number') seq.push(value.s);
    else others.push(value);
  }
  return { seq, others };
}

let fifos = 0;

/**
 * An async-queue writer on a FIFO whose pipe buffer is already full and that nobody reads: the
 * writer thread blocks in its first write(2), the tail never moves, and the ring fills to
 * exactly what fits. `read()` starts reading the FIFO; `drain()` reads, closes the writer and
 * returns what came out; it runs at the end of the test if the test did not call it.
 */
function stalledWriter(options: AsyncQueueOptions) {
  const fifo = path.join(tmp, `${fifos++}.fifo`);
  const made = spawnSync('mkfifo', [fifo], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`mkfifo failed: ${made.stderr}`);
  // fifo(7): a FIFO opened for read and write never blocks the open. This descriptor is a reader
  // (so the non-blocking open below and the writer thread's open succeed) that never reads.
  const keeper = fs.openSync(fifo, 'r+');
  const filler = fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
  let fillers = 0;
  try {
    for (;;) {
      fs.writeSync(filler, FILLER);
      fillers++;
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
  } finally {
    fs.closeSync(filler);
  }
  const writer = createAsyncQueueWriter({ filename: fifo, capacityBytes: CAPACITY, ...options });
  let ended: Promise<Buffer> | undefined;
  const read = () => {
    if (ended) return;
    const stream = fs.createReadStream(fifo);
    const chunks: Buffer[] = [];
    stream.on('data', (c) => chunks.push(c as Buffer));
    ended = once(stream, 'end').then(() => Buffer.concat(chunks));
  };
  let drained: Promise<string> | undefined;
  const drain = () => {
    drained ??= (async () => {
      read();
      await writer.close();
      // The writer thread's descriptor is closed; closing the last other writer ends the stream.
      fs.closeSync(keeper);
      return ((await ended) as Buffer).toString('utf8');
    })();
    return drained;
  };
  onTestFinished(async () => {
    await drain();
  });
  return { writer, read, drain, fillers };
}

/** Writes `line(s)` for each s from `from` until a write returns false; returns that s. */
function fillRing(writer: AsyncQueueWriter, from: number, level: string): number {
  for (let s = from; s < from + 2 * FITS; s++) if (!writer.write(line(s), level)) return s;
  throw new Error(`the ring took ${2 * FITS} records of ${RECORD} B; it holds ${CAPACITY} B`);
}

describe('a full ring: the whenFull policies', () => {
  it("'drop': once the ring is full every write returns false, counted by reason and level; memory stays bounded", async () => {
    const { writer, drain, fillers } = stalledWriter({ whenFull: 'drop' });
    const accepted: number[] = [];
    const dropped = { info: 0, debug: 0 };
    let maxUsed = 0;
    for (let s = 0; s < 2000; s++) {
      const level = s % 2 === 0 ? 'info' : 'debug';
      if (writer.write(line(s), level)) accepted.push(s);
      else dropped[level]++;
      maxUsed = Math.max(maxUsed, writer.stats().queue?.usedBytes ?? Number.NaN);
    }

    expect(accepted).toEqual(range(0, FITS));
    expect(dropped).toEqual({ info: (2000 - FITS) / 2, debug: (2000 - FITS) / 2 });
    expect(writer.stats().dropped).toEqual({
      total: 2000 - FITS,
      byReason: { 'queue-full': 2000 - FITS },
      byLevel: dropped,
    });
    expect(maxUsed).toBe(FITS * SLOT);
    expect(writer.stats().queue).toMatchObject({ capacityBytes: CAPACITY, usedBytes: FITS * SLOT });

    const text = await drain();
    expect(text.slice(0, fillers * FILLER.length)).toBe(FILLER.repeat(fillers));
    expect(parse(text).seq).toEqual(accepted);
  });

  it("'drop': after the reader resumes, the next record is followed by one loss notice (core's) with exact counts per level", async () => {
    const reports: FaninWriteError[] = [];
    const onError = (e: FaninError) => reports.push(e as FaninWriteError);
    const { writer, read, drain } = stalledWriter({ whenFull: 'drop', onError });
    for (let s = 0; s < 2000; s++) writer.write(line(s), s % 2 === 0 ? 'info' : 'debug');
    // Core's one reporting policy: one report when the loss starts, not one per record.
    expect(reports.map((e) => [e.code, e.reason, e.records])).toEqual([
      ['ERR_FANIN_RECORD', 'queue-full', 1],
    ]);
    read();
    // The ring is empty again once the reader took what the writer thread wrote.
    await writer.flush();
    expect(writer.write(line(2000), 'info')).toBe(true);

    const { seq, others } = parse(await drain());
    expect(seq).toEqual([...range(0, FITS), 2000]);
    const half = (2000 - FITS) / 2;
    expect(others).toEqual([
      {
        level: 'warn',
        message: expect.stringMatching(
          new RegExp(
            `^fanin: ${2000 - FITS} records lost \\(queue-full: ${2000 - FITS}\\) since \\d{4}-`,
          ),
        ),
        fanin: {
          lost: 2000 - FITS,
          byReason: { 'queue-full': 2000 - FITS },
          byLevel: { info: half, debug: half },
          since: expect.any(String),
          pid: process.pid,
        },
      },
    ]);
    // drain() closed the writer: the episode ended with one summary giving the count.
    expect(reports).toHaveLength(2);
    expect(reports[1]?.message).toMatch(
      new RegExp(`queue-full ended .*: ${2000 - FITS} records lost`),
    );
  });

  it('{ blockMs: 200 }: a write into the full ring waits about 200 ms, then returns false', () => {
    const { writer } = stalledWriter({
      whenFull: { blockMs: 200 },
      whenFullByLevel: { debug: 'drop' },
    });
    expect(fillRing(writer, 0, 'debug')).toBe(FITS);

    const started = performance.now();
    const written = writer.write(line(FITS + 1), 'info');
    const elapsed = performance.now() - started;

    expect(written).toBe(false);
    // A bound with room for a loaded machine: this checks the policy, not the timer's precision.
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThanOrEqual(1000);
    expect(writer.stats().dropped).toEqual({
      total: 2,
      byReason: { 'queue-full': 2 },
      byLevel: { debug: 1, info: 1 },
    });
  });

  it('whenFullByLevel keys match levels whatever their case; other levels keep whenFull', () => {
    const { writer } = stalledWriter({
      whenFull: { blockMs: 100 },
      whenFullByLevel: { DEBUG: 'drop', Trace: 'drop' },
    });
    expect(fillRing(writer, 0, 'Debug')).toBe(FITS);
    // A write that waits for room sleeps in Atomics.wait on the ring's tail (take-over.ts), on
    // this thread: counting those sleeps tells a dropping level from a blocking one whatever the
    // machine's load, where a clock bound on "at once" did not.
    const waits = vi.spyOn(Atomics, 'wait');
    onTestFinished(() => waits.mockRestore());
    const attempt = (level: string) => {
      waits.mockClear();
      const started = performance.now();
      expect(writer.write(line(0), level)).toBe(false);
      return { waits: waits.mock.calls.length, ms: performance.now() - started };
    };
    // A dropping level returns without waiting; a blocking one waits out its 100 ms.
    expect(attempt('trace').waits).toBe(0);
    expect(attempt('debug').waits).toBe(0);
    const warn = attempt('WARN');
    expect(warn.waits).toBeGreaterThan(0);
    expect(warn.ms).toBeGreaterThanOrEqual(90);
    expect(writer.stats().dropped.byLevel).toEqual({ Debug: 1, trace: 1, debug: 1, WARN: 1 });
  });
});

/** What each thread of this process sleeps on (/proc/self/task/<tid>/wchan); [] off Linux. */
function wchans(): string[] {
  try {
    return fs
      .readdirSync('/proc/self/task')
      .map((tid) => fs.readFileSync(`/proc/self/task/${tid}/wchan`, 'utf8'));
  } catch {
    return [];
  }
}

/**
 * Whether a thread of this process sleeps in the kernel's pipe write (`pipe_write`, or
 * `anon_pipe_write` since Linux 6.x): the proof that the writer thread is blocked in write(2),
 * not still starting.
 */
const blockedInPipeWrite = () => wchans().some((w) => /pipe_write/.test(w));

// Node's own threads sleep in futex waits; where wchan reads "0" for all of them (no /proc, or a
// kernel that hides it) the proof above is not available.
const wchanTells = wchans().some((w) => w !== '' && w !== '0');

describe.skipIf(!wchanTells)('a writer thread blocked in write(2)', () => {
  /** A stalled writer holding `records` records, its thread proven blocked in write(2). */
  async function blockedWriter(records: number, options: AsyncQueueOptions = {}) {
    const stalled = stalledWriter(options);
    for (let s = 0; s < records; s++) expect(stalled.writer.write(line(s), 'info')).toBe(true);
    await vi.waitFor(() => expect(blockedInPipeWrite()).toBe(true), { timeout: 5000 });
    return stalled;
  }

  it('flush() resolves as soon as the reader lets the thread write, not on its 100 ms poll', async () => {
    const { writer, read } = await blockedWriter(100);
    // flush() sleeps in Atomics.waitAsync on the ring's tail, 100 ms at most at a time (ring.ts):
    // a sleep that ends 'ok' was ended by the writer thread's release, one that ends 'timed-out'
    // by the poll. Recording how each ended proves the wake-up, whatever the machine's load.
    const ended: string[] = [];
    const waitAsync = Atomics.waitAsync;
    const spy = vi.spyOn(Atomics, 'waitAsync').mockImplementation((...args) => {
      const wait = waitAsync(...args);
      if (wait.async) void wait.value.then((how) => ended.push(how));
      else ended.push(wait.value);
      return wait;
    });
    onTestFinished(() => spy.mockRestore());
    // The tail cannot move before the reader reads: flush() finds the records unwritten and waits.
    const flushed = writer.flush();
    read();
    expect(await flushed).toMatchObject({ abandoned: 0, timedOut: false });
    expect(ended).toContain('ok');
  });

  // At-least-once, as documented: the writer thread publishes the tail after a batch's writes,
  // so a thread that dies between a write and that publication has its batch written again by
  // the take-over. Nothing is lost; what repeats is one stretch, at most one batch long.
  it('the thread dies: the take-over writes every record of the ring, repeating at most one batch', async () => {
    const { writer, drain } = await blockedWriter(400, { onError: () => {} });
    // The thread ends only once the reader makes room: its write(2) completes, then it stops.
    const exited = writer.thread.terminate();
    const draining = drain();
    await exited;
    const seq = parse(await draining).seq;
    expect([...new Set(seq)].sort((a, b) => a - b)).toEqual(range(0, 400));
    const repeated = seq.length - new Set(seq).size;
    // 100-byte records, 64 KiB batches: one batch holds at most 655 of them.
    expect(repeated).toBeLessThanOrEqual(655);
    // Each record's first appearance is in order: the repeat is a stretch written again.
    const firsts = seq.filter((s, i) => seq.indexOf(s) === i);
    expect(firsts).toEqual(range(0, 400));
  });
});
