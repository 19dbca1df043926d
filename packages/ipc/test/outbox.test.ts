import { describe, expect, it } from 'vitest';
import { Outbox } from '../src/outbox.js';
import { fromTextBatch } from '../src/text-batch.js';

/** `box.take(…)`, its records one by one (the outbox keeps a sent batch as one string). */
function takeBatch(box: Outbox, maxChars: number, windowChars: number) {
  const tb = box.take(maxChars, windowChars);
  return tb && fromTextBatch(tb);
}

/** Record `i` of exactly `chars` UTF-16 units, numbered so that order can be checked. */
function rec(i: number, chars = 100): string {
  const head = `${String(i).padStart(6, '0')}:`;
  return `${head}${'x'.repeat(chars - head.length - 1)}\n`;
}

const numbers = (records: string[]) => records.map((r) => Number(r.slice(0, 6)));

/** `box.drainPending()`, its chunks split into records and levels. */
function drained(box: Outbox) {
  const records: string[] = [];
  const levels: string[] = [];
  for (const c of box.drainPending()) {
    expect(c.lens.reduce((a, b) => a + b, 0)).toBe(c.text.length);
    const b = fromTextBatch({ seq: 0, ...c });
    records.push(...b.records);
    levels.push(...b.levels);
  }
  return { records, levels };
}

function filled(count: number, { bound = 1_000_000, chars = 100 } = {}): Outbox {
  const box = new Outbox(bound);
  for (let i = 0; i < count; i++) expect(box.add(rec(i, chars), `l${i}`)).toBe(true);
  return box;
}

describe('Outbox: the bound', () => {
  it('refuses a record that would pass the bound, counting pending characters', () => {
    const box = new Outbox(1000);
    for (let i = 0; i < 10; i++) expect(box.add(rec(i), 'info')).toBe(true);
    expect(box.usedChars).toBe(1000);
    expect(box.add('y', 'info')).toBe(false);
    expect(box.pendingRecords).toBe(10);
    expect(box.pendingChars).toBe(1000);
  });

  it('counts records in flight against the bound until they are acknowledged', () => {
    const box = filled(10, { bound: 1000 });
    expect(takeBatch(box, 600, 10_000)?.records).toHaveLength(6);
    expect(box.pendingChars).toBe(400);
    expect(box.inFlightChars).toBe(600);
    expect(box.add(rec(10), 'info')).toBe(false);
    expect(box.ack(1)).toBe(6);
    expect(box.add(rec(10), 'info')).toBe(true);
    expect(box.usedChars).toBe(500);
  });

  it('takes one record larger than the whole bound when it holds nothing else', () => {
    const box = new Outbox(10);
    expect(box.add(rec(0, 500), 'info')).toBe(true);
    expect(box.add('y', 'info')).toBe(false);
    const batch = takeBatch(box, 100, 100);
    expect(batch?.records).toEqual([rec(0, 500)]);
    expect(box.add('y', 'info')).toBe(false);
    box.ack(batch?.seq ?? 0);
    expect(box.empty).toBe(true);
    expect(box.add('y', 'info')).toBe(true);
  });
});

describe('Outbox: pending records joined into chunks', () => {
  it('seal() per turn and at sealChars; take() still splits at record boundaries, in order, levels beside', () => {
    const box = new Outbox(1_000_000, 1000);
    let i = 0;
    // Turns of 3, 15 (over sealChars: sealed at 10) and 4 records of 100 chars.
    for (const turn of [3, 15, 4]) {
      for (let k = 0; k < turn; k++, i++) expect(box.add(rec(i), `l${i % 3}`)).toBe(true);
      box.seal();
    }
    expect(box.pendingRecords).toBe(22);
    expect(box.pendingChars).toBe(2200);
    const got: number[] = [];
    const levels: string[] = [];
    for (let b = takeBatch(box, 450, 1_000_000); b; b = takeBatch(box, 450, 1_000_000)) {
      expect(b.records.length).toBeLessThanOrEqual(4);
      got.push(...numbers(b.records));
      levels.push(...b.levels);
    }
    expect(got).toEqual(Array.from({ length: 22 }, (_, k) => k));
    expect(levels).toEqual(got.map((k) => `l${k % 3}`));
    expect(box.pendingRecords).toBe(0);
    expect(box.inFlightRecords).toBe(22);
  });
});

describe('Outbox: take()', () => {
  it('returns nothing when nothing is pending', () => {
    expect(new Outbox(100).take(100, 100)).toBeUndefined();
  });

  it('batches pending records in order, up to maxChars, numbered 1, 2, 3 …, levels beside', () => {
    const box = filled(10);
    const a = takeBatch(box, 350, 1_000_000);
    const b = takeBatch(box, 350, 1_000_000);
    expect(a).toMatchObject({ seq: 1, levels: ['l0', 'l1', 'l2'] });
    expect(numbers(a?.records ?? [])).toEqual([0, 1, 2]);
    expect(b).toMatchObject({ seq: 2, levels: ['l3', 'l4', 'l5'] });
    expect(box.lastSeq).toBe(2);
    expect(box.inFlightRecords).toBe(6);
    expect(box.inFlightChars).toBe(600);
    expect(box.pendingRecords).toBe(4);
  });

  it('takes at least one record, even one larger than maxChars', () => {
    const box = new Outbox(1_000_000);
    box.add(rec(0, 5000), '');
    box.add(rec(1), '');
    expect(numbers(takeBatch(box, 100, 1_000_000)?.records ?? [])).toEqual([0]);
    expect(numbers(takeBatch(box, 100, 1_000_000)?.records ?? [])).toEqual([1]);
  });

  it('sends only while at most half the window is in flight, and only up to the window', () => {
    const box = filled(30);
    // Window 1000: 300 in flight (under half) → may send; 600 (over half) → may not.
    expect(takeBatch(box, 300, 1000)?.records).toHaveLength(3);
    expect(takeBatch(box, 300, 1000)?.records).toHaveLength(3);
    expect(box.inFlightChars).toBe(600);
    expect(takeBatch(box, 300, 1000)).toBeUndefined();
    // An ack brings it to 300: sending resumes.
    box.ack(1);
    expect(takeBatch(box, 300, 1000)?.records).toHaveLength(3);
    box.ack(3);
    // Exactly half (500) in flight still sends, and the batch fills the rest of the window.
    expect(takeBatch(box, 500, 1000)?.records).toHaveLength(5);
    expect(box.inFlightChars).toBe(500);
    const last = takeBatch(box, 10_000, 1000);
    expect(last?.records).toHaveLength(5);
    expect(box.inFlightChars).toBe(1000);
    expect(takeBatch(box, 10_000, 1000)).toBeUndefined();
  });
});

describe('Outbox: take() with no limit (Infinity), as the exit of a thread sends the rest', () => {
  it('takes every pending record at once, even while batches are in flight', () => {
    const box = filled(10);
    expect(takeBatch(box, 300, 1_000_000)?.records).toHaveLength(3);
    // Half of an infinite window is infinite: 300 characters in flight are far under it.
    const rest = takeBatch(box, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY);
    expect(numbers(rest?.records ?? [])).toEqual([3, 4, 5, 6, 7, 8, 9]);
    expect(box.pendingRecords).toBe(0);
  });
});

describe('Outbox: ack()', () => {
  it('is cumulative: acknowledging a batch acknowledges every one before it', () => {
    const box = filled(9);
    for (let i = 0; i < 3; i++) takeBatch(box, 300, 1_000_000);
    expect(box.ack(2)).toBe(6);
    expect(box.inFlightRecords).toBe(3);
    expect(box.ack(2)).toBe(0);
    expect(box.ack(1)).toBe(0);
    expect(box.ack(99)).toBe(3);
    expect(box.inFlightRecords).toBe(0);
    expect(box.inFlightChars).toBe(0);
    expect(box.empty).toBe(true);
  });

  it('of nothing in flight does nothing', () => {
    const box = filled(2);
    expect(box.ack(5)).toBe(0);
    expect(box.pendingRecords).toBe(2);
  });
});

describe('Outbox: requeueInFlight() and drainPending()', () => {
  it('puts unacknowledged batches back before pending records, in their order', () => {
    const box = filled(10);
    takeBatch(box, 200, 1_000_000); // 0, 1
    takeBatch(box, 200, 1_000_000); // 2, 3
    takeBatch(box, 200, 1_000_000); // 4, 5
    box.ack(1);
    expect(box.requeueInFlight()).toBe(4);
    expect(box.inFlightRecords).toBe(0);
    expect(box.inFlightChars).toBe(0);
    expect(box.pendingRecords).toBe(8);
    expect(box.pendingChars).toBe(800);
    // Sequence numbers go on: a resent batch is a new batch.
    const next = takeBatch(box, 300, 1_000_000);
    expect(next?.seq).toBe(4);
    expect(numbers(next?.records ?? [])).toEqual([2, 3, 4]);
    expect(next?.levels).toEqual(['l2', 'l3', 'l4']);
  });

  it('drainPending returns pending records in order with their levels and leaves those in flight', () => {
    const box = filled(6);
    takeBatch(box, 200, 1_000_000);
    const { records, levels } = drained(box);
    expect(numbers(records)).toEqual([2, 3, 4, 5]);
    expect(levels).toEqual(['l2', 'l3', 'l4', 'l5']);
    expect(box.pendingRecords).toBe(0);
    expect(box.pendingChars).toBe(0);
    expect(box.inFlightRecords).toBe(2);
    expect(box.usedChars).toBe(200);
    expect(box.empty).toBe(false);
    expect(box.drainPending()).toEqual([]);
  });

  it('requeue then drain gives every unwritten record once, in order', () => {
    const box = filled(20, { chars: 50 });
    takeBatch(box, 120, 1_000_000);
    takeBatch(box, 120, 1_000_000);
    box.ack(1);
    box.add(rec(20, 50), 'l20');
    box.requeueInFlight();
    const { records, levels } = drained(box);
    expect(numbers(records)).toEqual(Array.from({ length: 19 }, (_, i) => i + 2));
    expect(levels).toEqual(numbers(records).map((i) => `l${i}`));
    expect(box.empty).toBe(true);
  });
});
