import { describe, expect, it } from 'vitest';
import {
  FRAME_MAGIC,
  type FrameHeader,
  PIPE_BUF,
  parseFrameHeader,
  startsWithMagic,
  writerOf,
} from '../src/index.js';
import { createRecordIdSource, frameRecord } from '../src/internal.js';
import { joinPieces, noise, seeded, utf8Text } from './helpers.js';

const SIZES = [
  0, 1, 2, 63, 64, 200, 255, 256, 257, 1000, 4095, 4096, 4097, 8192, 65_535, 100_000, 300_000,
];

/** Parses every chunk of one framed record, checking the layout around each header. */
function parseChunks(chunks: readonly Buffer[]): { header: FrameHeader; payload: Buffer }[] {
  return chunks.map((chunk) => {
    expect(startsWithMagic(chunk, 0)).toBe('yes');
    expect(chunk.at(-1)).toBe(0x0a);
    const parsed = parseFrameHeader(chunk, 0);
    if (parsed.state !== 'ok') throw new Error(`chunk header did not parse: ${parsed.state}`);
    const end = parsed.payloadStart + parsed.header.length;
    // The payload is followed by exactly one newline that is not part of it.
    expect(end).toBe(chunk.length - 1);
    return { header: parsed.header, payload: chunk.subarray(parsed.payloadStart, end) };
  });
}

describe('frameRecord / parseFrameHeader round trip', () => {
  const nextId = createRecordIdSource();
  for (const chunkBytes of [256, PIPE_BUF]) {
    for (const content of ['noise', 'utf8'] as const) {
      it(`restores ${content} records of 0..300 KB from chunks of at most ${chunkBytes} bytes`, async () => {
        const rand = seeded(chunkBytes);
        for (const size of SIZES) {
          const record = content === 'noise' ? noise(rand, size) : utf8Text(size);
          const id = nextId();
          const chunks = frameRecord(record, id, chunkBytes);
          for (const c of chunks) expect(c.length).toBeLessThanOrEqual(chunkBytes);

          const parsed = parseChunks(chunks);
          expect(parsed.map((p) => p.header.id)).toEqual(chunks.map(() => id));
          expect(parsed.map((p) => p.header.index)).toEqual(chunks.map((_, i) => i));
          expect(parsed.map((p) => p.header.last)).toEqual(
            chunks.map((_, i) => i === chunks.length - 1),
          );
          expect(Buffer.concat(parsed.map((p) => p.payload)).equals(record)).toBe(true);

          // Every chunk but the last is filled to the same capacity: no needless chunks.
          const full = parsed.slice(0, -1).map((p) => p.header.length);
          expect(new Set(full).size).toBeLessThanOrEqual(1);
          const capacity = full[0] ?? Math.max(1, record.length);
          expect(chunks.length).toBe(Math.max(1, Math.ceil(record.length / capacity)));

          const joined = await joinPieces([Buffer.concat(chunks)]);
          expect(joined.output.equals(record)).toBe(true);
          expect(joined.warnings).toEqual([]);
          expect(joined.stats).toEqual({
            records: 1,
            chunks: chunks.length,
            garbled: 0,
            lostRecords: 0,
          });
        }
      });
    }
  }

  it('writes an empty record as one last chunk of length 0', () => {
    const chunks = frameRecord(new Uint8Array(0), 'a.0.0', PIPE_BUF);
    expect(chunks.map((c) => c.toString('latin1'))).toEqual([`${FRAME_MAGIC}a.0.0:0:L:0:\n`]);
  });

  it('lays a chunk out as magic, id, index, flag, length, payload, newline', () => {
    const chunks = frameRecord(Buffer.from('x'.repeat(300)), 'k.1.z', 256);
    expect(chunks.length).toBe(2);
    const first = chunks[0]?.toString('latin1') ?? '';
    expect(first.startsWith('\x1efanin1:k.1.z:0:M:')).toBe(true);
    expect(chunks[1]?.toString('latin1')).toMatch(/^\x1efanin1:k\.1\.z:1:L:\d+:x+\n$/);
  });

  it('rejects a chunk size that leaves no room for a payload', () => {
    expect(() => frameRecord(Buffer.from('x'), 'a.0.0', 64)).toThrow(RangeError);
    expect(() => frameRecord(Buffer.from('x'), 'a.0.0', 64)).toThrow(/maxChunkBytes 64/);
  });
});

describe('parseFrameHeader', () => {
  const header = (s: string) => parseFrameHeader(Buffer.from(s, 'latin1'), 0);

  it('parses a header and points at its payload', () => {
    expect(header('\x1efanin1:1a.0.f:12:L:3:abc\n')).toEqual({
      state: 'ok',
      header: { id: '1a.0.f', index: 12, last: true, length: 3 },
      payloadStart: 22,
    });
  });

  it('parses a header that starts inside a larger buffer', () => {
    const buf = Buffer.from('plain line\n\x1efanin1:a.b.c:0:M:1:z\n', 'latin1');
    expect(parseFrameHeader(buf, 11)).toEqual({
      state: 'ok',
      header: { id: 'a.b.c', index: 0, last: false, length: 1 },
      payloadStart: 11 + '\x1efanin1:a.b.c:0:M:1:'.length,
    });
  });

  it('asks for more bytes while the header is incomplete', () => {
    const full = '\x1efanin1:1a.0.f:12:L:3:';
    for (let cut = FRAME_MAGIC.length; cut < full.length; cut++) {
      expect(header(full.slice(0, cut))).toEqual({ state: 'need-more' });
    }
  });

  for (const [what, text, why] of [
    ['an id without dots', '\x1efanin1:abc:0:L:1:', 'bad id'],
    ['an id in upper case', '\x1efanin1:A.0.1:0:L:1:', 'bad id'],
    ['a non-decimal index', '\x1efanin1:a.0.1:x:L:1:', 'bad index'],
    ['an index of 8 digits', '\x1efanin1:a.0.1:12345678:L:1:', 'bad index'],
    ['a flag other than L or M', '\x1efanin1:a.0.1:0:X:1:', 'bad flag'],
    ['a negative length', '\x1efanin1:a.0.1:0:L:-1:', 'bad length'],
    ['a length of 10 digits', '\x1efanin1:a.0.1:0:L:1234567890:', 'bad length'],
    ['a header past 96 bytes', `\x1efanin1:${'a'.repeat(100)}`, 'header too long'],
  ] as const) {
    it(`calls ${what} invalid (${why})`, () => {
      expect(header(text)).toEqual({ state: 'invalid', why });
    });
  }
});

describe('startsWithMagic', () => {
  it('answers yes, no, or maybe when the buffer ends inside the magic', () => {
    const b = (s: string) => Buffer.from(s, 'latin1');
    expect(startsWithMagic(b(`${FRAME_MAGIC}x`), 0)).toBe('yes');
    expect(startsWithMagic(b(`ab${FRAME_MAGIC}`), 2)).toBe('yes');
    expect(startsWithMagic(b('{"level":"info"}\n'), 0)).toBe('no');
    expect(startsWithMagic(b('\x1efanin2:'), 0)).toBe('no');
    expect(startsWithMagic(b(''), 0)).toBe('maybe');
    expect(startsWithMagic(b('\x1efan'), 0)).toBe('maybe');
  });
});

describe('record ids', () => {
  it('are <pid>.<threadId>.<seq> in base 36, unique, and name their writer', () => {
    const next = createRecordIdSource();
    const ids = Array.from({ length: 40 }, () => next());
    const prefix = `${process.pid.toString(36)}.0`;
    expect(ids[0]).toBe(`${prefix}.0`);
    expect(ids[39]).toBe(`${prefix}.${(39).toString(36)}`);
    expect(new Set(ids).size).toBe(40);
    for (const id of ids) expect(writerOf(id)).toBe(prefix);
  });
});
