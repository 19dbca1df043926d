import { thrownError } from '@fanin/core/testing';
import { describe, expect, it } from 'vitest';
import { FrameDecoder } from '../src/frame-decoder.js';
import {
  ACK,
  BYE,
  type BytesBatch,
  encodeAck,
  encodeBye,
  encodeHello,
  encodeTextFrame,
  type Frame,
  FrameError,
  HEADER_BYTES,
  HELLO,
  MAGIC0,
  MAGIC1,
  TEXT,
  textOfBytes,
  VERSION,
  WELCOME,
} from '../src/frames.js';
import { type Batch, compactLevels, fromTextBatch, type TextBatch } from '../src/text-batch.js';

const MAX = 1024 * 1024;

/** A frame built by hand: the header fields may be anything, to forge bad input. */
function frame(
  type: number,
  body: Buffer,
  { magic = [MAGIC0, MAGIC1], version = VERSION, length = body.length } = {},
): Buffer {
  const h = Buffer.from([magic[0] ?? 0, magic[1] ?? 0, version, type, 0, 0, 0, 0]);
  h.writeUInt32BE(length, 4);
  return Buffer.concat([h, body]);
}

/** The text form of records one by one. */
function toText(batch: Batch): TextBatch {
  const { seq, records, levels } = batch;
  const lens = records.map((r) => r.length);
  return { seq, text: records.join(''), lens, levels: compactLevels(levels) };
}

/** A whole TEXT frame in a buffer of its own. */
const encodeText = (batch: Batch) => Buffer.from(encodeTextFrame(toText(batch)));

/** The records a decoded TEXT frame holds, one by one. */
function recordsOf(f: Frame | undefined): Batch {
  if (f?.type !== TEXT) throw new Error(`not a TEXT frame: ${JSON.stringify(f)}`);
  return fromTextBatch(textOfBytes(f.batch));
}

function decodeAll(bytes: Buffer, max = MAX): Frame[] {
  return new FrameDecoder(max).push(bytes);
}

/** The FrameError that `fn` throws (fails the test when it throws nothing or something else). */
const frameError = (fn: () => unknown) => thrownError(fn, FrameError, 'ERR_FANIN_FRAME');

const UNICODE_BATCH: Batch = {
  seq: 7,
  records: [
    '{"msg":"héllo wörld ✓ 日本語 😀"}\n',
    '',
    'plain\n',
    `${'é'.repeat(3000)}\n`,
    '\u0000 nul and \r\n inside',
  ],
  levels: ['info', '', 'warn', 'debug', ''],
};

describe('frames: round trips', () => {
  it('a batch with unicode records, empty records and empty levels decodes to what was encoded', () => {
    const frames = decodeAll(encodeText(UNICODE_BATCH));
    expect(frames).toHaveLength(1);
    expect(recordsOf(frames[0])).toEqual(UNICODE_BATCH);
  });

  it('a batch of 10,000 records of varied sizes decodes whole', () => {
    const records = Array.from({ length: 10_000 }, (_, i) => `${i}:${'x'.repeat(i % 300)}✓\n`);
    const levels = records.map((_, i) => ['info', 'warn', '', 'error'][i % 4] as string);
    const batch: Batch = { seq: 0xfffffffe, records, levels };
    expect(recordsOf(decodeAll(encodeText(batch), 16 * MAX)[0])).toEqual(batch);
  });

  it('an empty batch, HELLO, WELCOME, ACK and BYE decode', () => {
    const empty: Batch = { seq: 1, records: [], levels: [] };
    const bytes = Buffer.concat([
      encodeHello(HELLO),
      encodeText(empty),
      encodeHello(WELCOME),
      encodeAck(0xffffffff),
      encodeBye(),
    ]);
    const frames = decodeAll(bytes);
    expect(frames.map((f) => f.type)).toEqual([HELLO, TEXT, WELCOME, ACK, BYE]);
    expect(frames[0]).toEqual({ type: HELLO, pid: process.pid });
    expect(recordsOf(frames[1])).toEqual({ ...empty, levels: [] });
    expect(frames[3]).toEqual({ type: ACK, seq: 0xffffffff });
  });

  it('frames fed one byte at a time come out whole, each once the last byte of it arrives', () => {
    const second: Batch = { seq: 8, records: ['ü\n', 'second\n'], levels: ['info', 'info'] };
    const parts = [encodeText(UNICODE_BATCH), encodeAck(3), encodeText(second), encodeBye()];
    const bytes = Buffer.concat(parts);
    const ends = parts.map((_, i) => parts.slice(0, i + 1).reduce((n, p) => n + p.length, 0));
    const decoder = new FrameDecoder(MAX);
    const got: { at: number; frame: Frame }[] = [];
    for (let i = 0; i < bytes.length; i++) {
      for (const f of decoder.push(bytes.subarray(i, i + 1))) got.push({ at: i + 1, frame: f });
    }
    expect(got.map((g) => g.at)).toEqual(ends);
    expect(got.map((g) => g.frame.type)).toEqual([TEXT, ACK, TEXT, BYE]);
    expect(recordsOf(got[0]?.frame)).toEqual(UNICODE_BATCH);
    expect(recordsOf(got[2]?.frame)).toEqual(second);
    expect(decoder.buffered).toBe(0);
  });

  it('chunks that cut frames anywhere (through headers, through UTF-8 sequences) decode the same', () => {
    const bytes = Buffer.concat([encodeText(UNICODE_BATCH), encodeAck(9), encodeHello(HELLO)]);
    for (const size of [2, 3, 5, 7, 8, 9, 13, 64, 1000]) {
      const decoder = new FrameDecoder(MAX);
      const frames: Frame[] = [];
      for (let i = 0; i < bytes.length; i += size) {
        frames.push(...decoder.push(bytes.subarray(i, i + size)));
      }
      expect(
        frames.map((f) => f.type),
        `chunks of ${size}`,
      ).toEqual([TEXT, ACK, HELLO]);
      expect(recordsOf(frames[0]), `chunks of ${size}`).toEqual(UNICODE_BATCH);
    }
  });

  it('a frame of exactly maxFrameBytes is accepted', () => {
    const batch: Batch = { seq: 1, records: ['x'.repeat(100)], levels: ['info'] };
    const bytes = encodeText(batch);
    expect(recordsOf(decodeAll(bytes, bytes.length - HEADER_BYTES)[0])).toEqual(batch);
  });

  it('buffered counts the bytes of a frame not yet complete', () => {
    const bytes = encodeText(UNICODE_BATCH);
    const decoder = new FrameDecoder(MAX);
    expect(decoder.push(bytes.subarray(0, 20))).toEqual([]);
    expect(decoder.buffered).toBe(20);
    expect(decoder.push(bytes.subarray(20))).toHaveLength(1);
    expect(decoder.buffered).toBe(0);
  });
});

describe('frames: bad input is a FrameError', () => {
  it('an HTTP request (bad magic) is refused', () => {
    const err = frameError(() => decodeAll(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')));
    expect(err.message).toMatch(/bad magic/);
  });

  it('garbage is refused from its first byte, before a whole header arrives', () => {
    expect(() => new FrameDecoder(MAX).push(Buffer.from('G'))).toThrow(FrameError);
    const decoder = new FrameDecoder(MAX);
    expect(decoder.push(Buffer.from('f'))).toEqual([]);
    expect(() => decoder.push(Buffer.from('E'))).toThrow(FrameError);
  });

  it('frames cut anywhere across reads decode whole, in order; only what is held counts as buffered', () => {
    const batches = [0, 1, 2].map((i) =>
      toText({ seq: i + 1, records: [`r${i}\n`, 'é\n'], levels: ['a', 'b'] }),
    );
    const own = (tb: TextBatch) => Buffer.from(encodeTextFrame(tb));
    const bytes = Buffer.concat([...batches.map(own), encodeAck(7), encodeBye()]);
    for (const cut of [1, 3, 7, 8, 9, 20, bytes.length - 1]) {
      const decoder = new FrameDecoder(MAX);
      const frames = [...decoder.push(bytes.subarray(0, cut))];
      expect(decoder.buffered).toBeLessThanOrEqual(cut);
      frames.push(...decoder.push(bytes.subarray(cut)));
      expect(decoder.buffered).toBe(0);
      expect(frames.map((f) => f.type)).toEqual([TEXT, TEXT, TEXT, ACK, BYE]);
      expect(
        frames
          .slice(0, 3)
          .map((f) => fromTextBatch(textOfBytes((f as { batch: BytesBatch }).batch)).records),
      ).toEqual(batches.map((b) => fromTextBatch(b).records));
    }
  });

  it('garbage after a valid frame is refused', () => {
    const bytes = Buffer.concat([encodeAck(1), Buffer.from('garbage!')]);
    expect(() => decodeAll(bytes)).toThrow(/bad magic/);
  });

  it('another wire version is refused, naming it', () => {
    const err = frameError(() => decodeAll(frame(ACK, Buffer.alloc(4), { version: 2 })));
    expect(err.message).toMatch(/version 2/);
  });

  it('an unknown frame type is refused, naming it', () => {
    const err = frameError(() => decodeAll(frame(9, Buffer.alloc(0))));
    expect(err.message).toMatch(/unknown frame type 9/);
  });

  it('a length over maxFrameBytes is refused from the header alone, before the body arrives', () => {
    const decoder = new FrameDecoder(1000);
    const header = frame(TEXT, Buffer.alloc(0), { length: 1001 });
    expect(header.length).toBe(HEADER_BYTES);
    const err = frameError(() => decoder.push(header));
    expect(err.message).toMatch(/1001 bytes is over maxFrameBytes \(1000\)/);
    // Even a 4 GiB length: nothing is buffered for it.
    expect(() =>
      new FrameDecoder(1000).push(frame(TEXT, Buffer.alloc(0), { length: 0xffffffff })),
    ).toThrow(/over maxFrameBytes/);
  });

  it('a HELLO that is not JSON, or has no integer pid, is refused', () => {
    expect(() => decodeAll(frame(HELLO, Buffer.from('{pid:')))).toThrow(/not JSON/);
    expect(() => decodeAll(frame(HELLO, Buffer.from('{"pid":"1"}')))).toThrow(/no pid/);
    expect(() => decodeAll(frame(WELCOME, Buffer.from('null')))).toThrow(FrameError);
  });

  it('an ACK body other than 4 bytes, and a BYE with a body, are refused', () => {
    expect(() => decodeAll(frame(ACK, Buffer.alloc(3)))).toThrow(/ACK body/);
    expect(() => decodeAll(frame(ACK, Buffer.alloc(5)))).toThrow(/ACK body/);
    expect(() => decodeAll(frame(BYE, Buffer.alloc(1)))).toThrow(/BYE body/);
  });
});

describe('frames: TEXT frames (encodeTextFrame)', () => {
  /** The records a TEXT frame decodes to, through the writer's per-record path. */
  const decoded = (bytes: Buffer) => recordsOf(decodeAll(bytes)[0]);
  const encodeTextBatch = (tb: TextBatch) => Buffer.from(encodeTextFrame(tb));

  it('round-trips ASCII and other text, one level for all or one per record', () => {
    for (const records of [
      ['a\n', 'bc\n'],
      ['é\n', '😀 x\n', ''],
    ]) {
      const each = { seq: 4, records, levels: records.map((_, i) => `l${i}`) };
      expect(decoded(encodeText(each))).toEqual(each);
      const one = { seq: 5, records, levels: records.map(() => 'info') };
      const tb = toText(one);
      expect(tb.levels).toBe('info');
      expect(decoded(encodeTextBatch(tb))).toEqual(one);
    }
  });

  it('carries the text as UTF-8 bytes after the lengths, in a scratch buffer when it fits', () => {
    const tb = toText({ seq: 9, records: ['ab\n', 'é\n'], levels: ['x', 'x'] });
    const text = Buffer.from(tb.text);
    const whole = encodeTextBatch(tb);
    expect(whole.subarray(whole.length - text.length)).toEqual(text);
    const scratch = Buffer.alloc(1024);
    const inScratch = encodeTextFrame(tb, scratch);
    expect(inScratch.buffer).toBe(scratch.buffer);
    expect(inScratch).toEqual(whole);
    // Too small a scratch: a buffer of its own, the same frame.
    const small = Buffer.alloc(8);
    const own = encodeTextFrame(tb, small);
    expect(own.buffer).not.toBe(small.buffer);
    expect(own).toEqual(whole);
    const [f] = decodeAll(whole);
    expect(f).toMatchObject({ type: TEXT, batch: { seq: 9, lens: [3, 2], levels: 'x' } });
    expect((f as { batch: { bytes: Buffer } }).batch.bytes).toEqual(text);
  });

  it('a level longer than 255 characters is cut to 255 on the wire', () => {
    const long = 'L'.repeat(300);
    const tb = toText({ seq: 1, records: ['a'], levels: [long] });
    expect(decoded(encodeTextBatch(tb)).levels).toEqual([long.slice(0, 255)]);
  });

  // seq 1, count 2, one level "i", lengths 2 and 2, then `text`.
  const body = (text: string, form = 0, lens = [2, 2]) => {
    const head = Buffer.alloc(9);
    head.writeUInt32BE(1, 0);
    head.writeUInt32BE(lens.length, 4);
    head[8] = form;
    const l = Buffer.alloc(4 * lens.length);
    for (const [i, n] of lens.entries()) l.writeUInt32BE(n, 4 * i);
    return Buffer.concat([head, Buffer.from([1]), Buffer.from('i'), l, Buffer.from(text)]);
  };

  for (const [name, bytes, why] of [
    ['lengths longer than the text', body('a\n'), /do not add up/],
    ['text over 3 bytes a unit', body('a\n€€€€'), /do not add up/],
    ['an unknown level form', body('a\nb\n', 7), /level form 7/],
    [
      'a count the frame cannot hold',
      body('', 0, [1, 1, 1, 1, 1, 1, 1, 1]).subarray(0, 20),
      /truncated/,
    ],
    ['a body shorter than its fixed part', Buffer.alloc(5), /too short/],
  ] as const) {
    it(`refuses ${name}`, () => {
      expect(frameError(() => decodeAll(frame(TEXT, bytes as Buffer))).message).toMatch(why);
    });
  }

  it('refuses text whose lengths fit the bytes but not the characters, when split', () => {
    // 4 bytes, lengths 2 + 2 = 4 units; but "é" is 2 bytes for 1 unit: 3 characters, not 4.
    const f = decodeAll(frame(TEXT, body('éab')));
    expect(f[0]?.type).toBe(TEXT);
    const bb = (f[0] as { batch: Parameters<typeof textOfBytes>[0] }).batch;
    expect(frameError(() => textOfBytes(bb)).message).toMatch(/do not add up/);
  });

  it('a HELLO may carry a key', () => {
    expect(decodeAll(encodeHello(HELLO, 'k1'))).toEqual([
      { type: HELLO, pid: process.pid, key: 'k1' },
    ]);
    expect(
      frameError(() => decodeAll(frame(HELLO, Buffer.from('{"pid":1,"key":2}')))).message,
    ).toMatch(/key is not a string/);
  });
});
