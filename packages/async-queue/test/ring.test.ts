import { describe, expect, it } from 'vitest';
import { allocateRing, HEAD, Ring, TAIL } from '../src/ring.js';

/** A record of `bytes` bytes (at least 10) carrying the sequence number `s`. */
function record(s: number, bytes: number): string {
  return `${String(s).padStart(8, '0')}${'x'.repeat(bytes - 9)}\n`;
}

/**
 * Drives one ring as the two threads would, in turns: put records until it is full, take a few,
 * and so on. Returns how many records came out, how many of them were not what went in, and
 * where the tail counter ended. `start` is where the free-running head and tail counters begin
 * (ring.ts: "mod 2^32").
 */
function pump(capacity: number, start: number, turns: number, sizeOf: (s: number) => number) {
  const ring = new Ring(allocateRing(capacity));
  Atomics.store(ring.ctrl, HEAD, start | 0);
  Atomics.store(ring.ctrl, TAIL, start | 0);
  let put = 0;
  let taken = 0;
  let wrong = 0;
  for (let turn = 0; turn < turns; turn++) {
    while (ring.put(record(put, sizeOf(put)))) put++;
    expect(ring.used()).toBeLessThanOrEqual(ring.capacity);
    const tail = ring.peek(capacity >>> 3, (r) => {
      if (r.toString('latin1') !== record(taken, sizeOf(taken))) wrong++;
      taken++;
    });
    ring.release(tail);
  }
  return { taken, wrong, end: Atomics.load(ring.ctrl, TAIL) >>> 0 };
}

// 1,000,000 below 2^32 as an unsigned counter: the crossing comes within the first megabyte.
const NEAR_2_32 = -1_000_000;
// Sizes from 10 to 409 bytes, so that records end at every offset and the wrap marker is used.
const mixed = (s: number) => 10 + ((s * 7919) % 400);

describe('Ring', () => {
  it('a full ring refuses a put and copies nothing; used() counts each 4-byte header and padding', () => {
    const ring = new Ring(allocateRing(4096));
    let n = 0;
    while (ring.put(record(n, 100))) n++;
    // 4 + 100 bytes a record, 4096 bytes in all.
    expect(n).toBe(Math.floor(4096 / 104));
    expect(ring.used()).toBe(n * 104);
    expect(ring.put(record(n, 100))).toBe(false);
    expect(ring.used()).toBe(n * 104);
  });

  for (const capacity of [4096, 65536, 100_000]) {
    it(`capacity ${capacity}: records of mixed sizes come out whole and in order over many wraps`, () => {
      const { taken, wrong } = pump(capacity, 0, 2000, mixed);
      expect(taken).toBeGreaterThan((20 * capacity) / 400);
      expect(wrong).toBe(0);
    });
  }

  it('capacity 65536 (a power of two): records stay whole while the byte counters cross 2^32', () => {
    const { end, wrong } = pump(65536, NEAR_2_32, 2000, mixed);
    // The tail went past 2^32 - 1 and wrapped to a small number.
    expect(end).toBeLessThan(NEAR_2_32 >>> 0);
    expect(wrong).toBe(0);
  });

  // Positions are (counter >>> 0) % capacity, continuous across the 2^32 wrap only when the
  // capacity divides 2^32: allocateRing rounds 100000 up to 131072.
  it('capacity 100000 (rounded up to a power of two): records stay whole while the byte counters cross 2^32', () => {
    const { end, wrong } = pump(100_000, NEAR_2_32, 2000, mixed);
    // The tail went past 2^32 - 1 and wrapped to a small number.
    expect(end).toBeLessThan(NEAR_2_32 >>> 0);
    expect(wrong).toBe(0);
  });

  it('blocks(): views of whole entries (blocks and single records) across wraps, at most maxParts and about maxBytes, nothing copied', () => {
    const ring = new Ring(allocateRing(4096));
    let put = 0;
    let out = '';
    let expected = '';
    for (let turn = 0; turn < 300; turn++) {
      // A block of 1–4 records (as one event-loop turn hands over) or a single record.
      for (;;) {
        const n = 1 + (put % 4);
        const text = Array.from({ length: n }, (_, i) => record(put + i, mixed(put + i))).join('');
        if (!ring.put(text, n > 1 ? n : 0)) break;
        expected += text;
        put += n;
      }
      const { parts, records, tail } = ring.blocks(1000, 3);
      expect(parts.length).toBeGreaterThan(0);
      expect(parts.length).toBeLessThanOrEqual(3);
      // Over maxBytes only when a single entry is larger by itself.
      const bytes = parts.reduce((n, p) => n + p.byteLength, 0);
      if (parts.length > 1) expect(bytes).toBeLessThanOrEqual(1000);
      // Views of the shared memory, not copies.
      for (const p of parts) expect(p.buffer).toBe(ring.bytes.buffer);
      const text = parts.map((p) => p.toString('latin1')).join('');
      expect(text.split('\n').length - 1).toBe(records);
      out += text;
      ring.release(tail);
    }
    expect(put).toBeGreaterThan(1000);
    expect(expected.startsWith(out)).toBe(true);
    expect(out.length).toBeGreaterThan(expected.length - 4096);
  });
});
