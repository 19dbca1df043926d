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
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';

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
 * exactly what fits. `drain()` starts reading, closes the writer and returns what came out;
 * it runs at the end of the test if the test did not call it.
 */
async function stalledWriter(options: AsyncQueueOptions) {
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
  let drained: Promise<string> | undefined;
  const drain = () => {
    drained ??= (async () => {
      const stream = fs.createReadStream(fifo);
      const chunks: Buffer[] = [];
      stream.on('data', (c) => chunks.push(c as Buffer));
      await once(stream, 'ready');
      await writer.close();
      // The writer thread's descriptor is closed: closing ours ends the stream.
      fs.closeSync(keeper);
      await once(stream, 'end');
      return Buffer.concat(chunks).toString('utf8');
    })();
    return drained;
  };
  onTestFinished(async () => {
    await drain();
  });
  return { writer, drain, fillers };
}

/** Writes `line(s)` for each s from `from` until a write returns false; returns that s. */
function fillRing(writer: AsyncQueueWriter, from: number, level: string): number {
  for (let s = from; s < from + 2 * FITS; s++) if (!writer.write(line(s), level)) return s;
  throw new Error(`the ring took ${2 * FITS} records of ${RECORD} B; it holds ${CAPACITY} B`);
}

describe('a full ring: the whenFull policies', () => {
  it("'drop': once the ring is full every write returns false, counted by reason and level; memory stays bounded", async () => {
    const { writer, drain, fillers } = await stalledWriter({ whenFull: 'drop' });
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

  it("'drop': after the reader resumes, the next record is followed by one drop summary with exact counts per level", async () => {
    const { writer, drain } = await stalledWriter({ whenFull: 'drop' });
    for (let s = 0; s < 2000; s++) writer.write(line(s), s % 2 === 0 ? 'info' : 'debug');
    const draining = drain();
    // The ring is empty again once the reader took what the writer thread wrote.
    await writer.flush();
    expect(writer.write(line(2000), 'info')).toBe(true);

    const { seq, others } = parse(await draining);
    expect(seq).toEqual([...range(0, FITS), 2000]);
    const half = (2000 - FITS) / 2;
    expect(others).toEqual([
      {
        level: 'warn',
        message: expect.stringMatching(
          new RegExp(
            `^fanin: dropped ${2000 - FITS} records \\(info: ${half}, debug: ${half}\\) in the last \\d+ s$`,
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
  });

  it('{ blockMs: 200 }: a write into the full ring waits about 200 ms, then returns false', async () => {
    const { writer } = await stalledWriter({
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

  it('whenFullByLevel keys match levels whatever their case; other levels keep whenFull', async () => {
    const { writer } = await stalledWriter({
      whenFull: { blockMs: 100 },
      whenFullByLevel: { DEBUG: 'drop', Trace: 'drop' },
    });
    expect(fillRing(writer, 0, 'Debug')).toBe(FITS);
    const timed = (level: string) => {
      const started = performance.now();
      expect(writer.write(line(0), level)).toBe(false);
      return performance.now() - started;
    };
    // A dropping level returns at once; a blocking one waits out its 100 ms.
    expect(timed('trace')).toBeLessThan(50);
    expect(timed('debug')).toBeLessThan(50);
    expect(timed('WARN')).toBeGreaterThanOrEqual(90);
    expect(writer.stats().dropped.byLevel).toEqual({ Debug: 1, trace: 1, debug: 1, WARN: 1 });
  });
});

describe('the writer thread dies in the middle of a batch', () => {
  // BUG: the take-over rewrites from the last released tail, so the part of the batch the dead thread already wrote appears twice.
  it.fails('the take-over writes each record of the ring exactly once', async () => {
    const { writer, drain } = await stalledWriter({ whenFull: 'drop', onError: () => {} });
    for (let s = 0; s < 400; s++) expect(writer.write(line(s), 'info')).toBe(true);
    // The writer thread is blocked in write(2): it ends only once the reader makes room.
    const exited = writer.thread.terminate();
    const draining = drain();
    await exited;
    expect(parse(await draining).seq).toEqual(range(0, 400));
  });
});
