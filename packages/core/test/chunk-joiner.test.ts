import { describe, expect, it } from 'vitest';
import type { JoinWarning } from '../src/index.js';
import { frameRecord } from '../src/internal.js';
import {
  between,
  joinPieces,
  noise,
  type SplitMode,
  seeded,
  splitBuffer,
  utf8Text,
} from './helpers.js';

/** One write(2) as a writer makes it: a plain record line, or one framed chunk of a record. */
interface Unit {
  bytes: Buffer;
  record: Buffer;
  id: string;
  /** True on the unit that completes its record (a plain line, or the last chunk). */
  completes: boolean;
}

/** The units of one writer's records: plain when they fit a chunk, framed chunks otherwise. */
function unitsOf(writer: string, records: readonly Buffer[], chunkBytes: number): Unit[] {
  return records.flatMap((record, seq) => {
    const id = `${writer}.${seq.toString(36)}`;
    const plain = record.length <= chunkBytes && record.at(-1) === 0x0a && record[0] !== 0x1e;
    const chunks = plain ? [record] : frameRecord(record, id, chunkBytes);
    return chunks.map((bytes, i) => ({ bytes, record, id, completes: i === chunks.length - 1 }));
  });
}

/**
 * Interleaves the writers' units at random, each writer's units staying in order, as writes of
 * several processes to one pipe land. Returns the stream and, in completion order, the records a
 * joiner must emit (all but those whose ids are in `lost`).
 */
function interleave(
  rand: () => number,
  perWriter: Unit[][],
  lost: ReadonlySet<string> = new Set(),
): { stream: Buffer; expected: Buffer; order: Unit[] } {
  const queues = perWriter.map((units) => [...units]);
  const order: Unit[] = [];
  for (;;) {
    const live = queues.filter((q) => q.length > 0);
    if (live.length === 0) break;
    const unit = live[between(rand, 0, live.length - 1)]?.shift();
    if (unit) order.push(unit);
  }
  const expected = order.filter((u) => u.completes && !lost.has(u.id)).map((u) => u.record);
  return {
    stream: Buffer.concat(order.map((u) => u.bytes)),
    expected: Buffer.concat(expected),
    order,
  };
}

/** Text records of one writer: short lines and long ones (framed), without inner newlines. */
function textRecords(writer: string, sizes: readonly number[]): Buffer[] {
  return sizes.map((size, i) => {
    const head = `{"w":"${writer}","seq":${i},"pad":"`;
    const pad = 'abcdefghijklmnopqrstuvwxyz'.repeat(Math.ceil(size / 26)).slice(0, size);
    return Buffer.from(`${head}${pad}"}\n`);
  });
}

const SPLITS: readonly SplitMode[] = ['whole', '1-byte', 'odd-7', 'odd-4099', 'random'];

describe('createChunkJoiner: interleaved writers', () => {
  for (const split of SPLITS) {
    for (const chunkBytes of [256, 4096]) {
      it(`restores every record of 4 writers, chunks ${chunkBytes}, fed ${split}`, async () => {
        const rand = seeded(chunkBytes * 31 + split.length);
        // Tiny reads cost a buffer copy each: keep those streams small, the others large.
        const big = split === '1-byte' ? 3 * chunkBytes : split === 'odd-7' ? 20_000 : 120_000;
        const perWriter = ['1a.0', '1b.0', '1c.0', '1d.0'].map((writer) => {
          const records: Buffer[] = [];
          for (let i = 0; i < 12; i++) {
            const kind = between(rand, 0, 3);
            if (kind === 0) records.push(Buffer.from(`${writer} plain line ${i} é€😀\n`));
            else if (kind === 1) records.push(noise(rand, between(rand, 0, big)));
            else if (kind === 2) records.push(utf8Text(between(rand, chunkBytes, big)));
            else records.push(Buffer.alloc(0));
          }
          return unitsOf(writer, records, chunkBytes);
        });
        const { stream, expected, order } = interleave(rand, perWriter);
        const records = order.filter((u) => u.completes).length;
        const chunks = order.filter((u) => u.bytes[0] === 0x1e).length;

        const joined = await joinPieces(splitBuffer(stream, split, rand));
        expect(joined.output.equals(expected)).toBe(true);
        expect(joined.warnings).toEqual([]);
        expect(joined.stats.garbled).toBe(0);
        expect(joined.stats.lostRecords).toBe(0);
        expect(joined.stats.chunks).toBe(chunks);
        // Plain lines are not counted as joined records; framed ones are.
        const plain = order.filter((u) => u.bytes[0] !== 0x1e).length;
        expect(joined.stats.records).toBe(records - plain);
      });
    }
  }
});

describe('createChunkJoiner: plain lines', () => {
  const lines = [
    '{"level":"info","message":"hello"}\n',
    'a CRLF line\r\n',
    '\n',
    '\x1e a record separator, not a frame\n',
    '\x1efanin2:another:format:version:\n',
    'fanin1:looks like a header but not at a line start\n',
    `${'long line '.repeat(1000)}\n`,
    'multi-byte é€😀 text\n',
    'mid-line magic \x1efanin1:a.0.0:0:L:1:x\n',
    'last line without a newline, ending in a partial magic \n\x1efanin',
  ];
  const input = Buffer.from(lines.join(''));

  for (const split of SPLITS) {
    it(`passes them through unchanged, fed ${split}`, async () => {
      const joined = await joinPieces(splitBuffer(input, split, seeded(7)));
      expect(joined.output.toString()).toBe(input.toString());
      expect(joined.warnings).toEqual([]);
      expect(joined.stats).toEqual({ records: 0, chunks: 0, garbled: 0, lostRecords: 0 });
    });
  }
});

/** Three writers: A and B write long (framed) records, C writes plain lines. */
function threeWriters(): Unit[][] {
  return [
    unitsOf('a.0', textRecords('a', [1000, 30, 900]), 256),
    unitsOf('b.0', textRecords('b', [700, 1200, 10]), 256),
    unitsOf('c.0', textRecords('c', [5, 10, 20, 40, 80]), 256),
  ];
}

const A0 = 'a.0.0';

/**
 * The three writers' chunks interleaved by `seed`, with chunk 2 of record A0 (1000+ bytes in
 * 256-byte chunks) removed ('drop') or its flag turned from M to X ('garble'); `expected` is
 * what a joiner must output (every record but A0).
 */
function damaged(damage: 'drop' | 'garble', seed: number) {
  const writers = threeWriters();
  const a = writers[0] ?? [];
  const at = a.findIndex((u) => u.id === A0 && u.bytes.includes(Buffer.from(`${A0}:2:M:`)));
  expect(at).toBeGreaterThan(0);
  if (damage === 'drop') a.splice(at, 1);
  else {
    const hit = a[at]!;
    hit.bytes = Buffer.from(hit.bytes.toString('latin1').replace(':2:M:', ':2:X:'), 'latin1');
  }
  return interleave(seeded(seed), writers, new Set([A0]));
}

/**
 * Joins {@link damaged}'s stream, read as `pieces` makes it (one read by default), and asserts
 * that every record but A0 came out whole and in order; returns what the joiner reported.
 */
async function joinDamaged(
  damage: 'drop' | 'garble',
  seed: number,
  pieces: (stream: Buffer) => Buffer[] = (stream) => [stream],
) {
  const { stream, expected } = damaged(damage, seed);
  const joined = await joinPieces(pieces(stream));
  expect(joined.output.toString()).toBe(expected.toString());
  return joined;
}

describe('createChunkJoiner: damage is counted, reported, and never blocks', () => {
  it('drops the record whose middle chunk is missing and joins every later record', async () => {
    const joined = await joinDamaged('drop', 1);
    expect(joined.warnings.length).toBeGreaterThan(0);
    expect(joined.warnings[0]).toEqual({
      kind: 'lost-chunk',
      id: A0,
      message: `record ${A0} dropped: chunk 2 never arrived`,
    });
    expect(joined.warnings.every((w) => w.kind === 'lost-chunk' && w.id === A0)).toBe(true);
    expect(joined.stats.garbled).toBe(0);
    expect(joined.stats.records).toBe(3);
  });

  it('counts a record with a missing middle chunk as one lost record, one warning', async () => {
    const joined = await joinDamaged('drop', 1);
    expect(joined.stats.lostRecords).toBe(1);
    expect(joined.warnings).toHaveLength(1);
  });

  it('drops a record when the same writer starts the next one before its last chunk', async () => {
    const records = textRecords('a', [600, 600]);
    const first = frameRecord(records[0] ?? Buffer.alloc(0), 'a.0.0', 256);
    const second = frameRecord(records[1] ?? Buffer.alloc(0), 'a.0.1', 256);
    const stream = Buffer.concat([...first.slice(0, 2), ...second]);
    const joined = await joinPieces([stream]);
    expect(joined.output.equals(records[1] ?? Buffer.alloc(0))).toBe(true);
    expect(joined.warnings).toEqual([
      { kind: 'lost-chunk', id: 'a.0.0', message: 'record a.0.0 dropped: chunk 2 never arrived' },
    ]);
    expect(joined.stats).toEqual({
      records: 1,
      chunks: 2 + second.length,
      garbled: 0,
      lostRecords: 1,
    });
  });

  it('skips a chunk with a garbled header, counts it, and joins every later record', async () => {
    const joined = await joinDamaged('garble', 2);
    expect(joined.stats.garbled).toBe(1);
    expect(joined.warnings[0]).toEqual({
      kind: 'garbled',
      message: 'garbled chunk dropped (bad flag)',
    });
    expect(joined.warnings.slice(1).every((w) => w.kind === 'lost-chunk' && w.id === A0)).toBe(
      true,
    );
    expect(joined.stats.records).toBe(3);
  });

  it('skips a garbled chunk whole however the stream is split (1-byte reads)', async () => {
    await joinDamaged('garble', 2, (stream) => splitBuffer(stream, '1-byte', seeded(3)));
  });

  it('reports a stream cut off inside a chunk: the cut chunk and its unfinished record', async () => {
    const records = textRecords('b', [40, 900]);
    const done = records[0] ?? Buffer.alloc(0);
    const chunks = frameRecord(records[1] ?? Buffer.alloc(0), 'b.0.1', 256);
    const third = chunks[2] ?? Buffer.alloc(0);
    const stream = Buffer.concat([done, chunks[0]!, chunks[1]!, third.subarray(0, 100)]);

    for (const split of SPLITS) {
      const joined = await joinPieces(splitBuffer(stream, split, seeded(4)));
      expect(joined.output.equals(done)).toBe(true);
      expect(joined.warnings).toEqual<JoinWarning[]>([
        { kind: 'garbled', message: 'garbled chunk dropped (cut off)' },
        { kind: 'incomplete', id: 'b.0.1', message: 'record b.0.1 ended after 2 chunk(s)' },
      ]);
      expect(joined.stats).toEqual({ records: 0, chunks: 2, garbled: 1, lostRecords: 1 });
    }
  });

  it('reports a record whose writer stopped between two chunks as incomplete', async () => {
    const chunks = frameRecord(Buffer.from('z'.repeat(700)), 'd.0.0', 256);
    const joined = await joinPieces([Buffer.concat(chunks.slice(0, 2))]);
    expect(joined.output.length).toBe(0);
    expect(joined.warnings).toEqual([
      { kind: 'incomplete', id: 'd.0.0', message: 'record d.0.0 ended after 2 chunk(s)' },
    ]);
    expect(joined.stats).toEqual({ records: 0, chunks: 2, garbled: 0, lostRecords: 1 });
  });

  it('evicts the oldest partial record past maxPendingBytes and keeps joining', async () => {
    const [big, later] = textRecords('a', [5000, 600]);
    const [other] = textRecords('b', [1000]);
    const a = frameRecord(big!, 'a.0.0', 256);
    const a2 = frameRecord(later!, 'a.0.1', 256);
    const b = frameRecord(other!, 'b.0.0', 256);
    // A holds ~1400 bytes pending, then B's chunks push the total over 2000.
    const stream = Buffer.concat([...a.slice(0, 6), ...b, ...a.slice(6), ...a2]);

    const joined = await joinPieces([stream], { maxPendingBytes: 2000 });
    expect(joined.output.toString()).toBe(`${other!.toString()}${later!.toString()}`);
    expect(joined.warnings[0]).toEqual({
      kind: 'evicted',
      id: 'a.0.0',
      message: 'record a.0.0 dropped: pending bytes over maxPendingBytes',
    });
    expect(joined.warnings.every((w) => w.id === 'a.0.0')).toBe(true);
    expect(joined.stats.records).toBe(2);
    expect(joined.stats.garbled).toBe(0);
  });

  it('evicts a single record larger than maxPendingBytes instead of holding it', async () => {
    const [huge, next] = textRecords('a', [20_000, 100]);
    const stream = Buffer.concat([
      ...frameRecord(huge!, 'a.0.0', 4096),
      ...frameRecord(next!, 'a.0.1', 4096),
    ]);
    const joined = await joinPieces([stream], { maxPendingBytes: 8192 });
    expect(joined.output.equals(next!)).toBe(true);
    expect(joined.warnings[0]).toEqual({
      kind: 'evicted',
      id: 'a.0.0',
      message: 'record a.0.0 dropped: pending bytes over maxPendingBytes',
    });
    expect(joined.stats.records).toBe(1);
  });
});
