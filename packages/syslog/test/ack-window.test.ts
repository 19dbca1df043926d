import { describe, expect, it } from 'vitest';
import { AckWindow } from '../src/ack-window.js';

describe('AckWindow', () => {
  it('acknowledges in order: each answer completes its frame', () => {
    const w = new AckWindow();
    for (let t = 1; t <= 3; t++) w.push(t, t * 100);
    expect(w.ack(1)).toEqual({ n: 1, end: 100 });
    expect(w.ack(2)).toEqual({ n: 1, end: 200 });
    expect(w.size).toBe(1);
    expect(w.ack(3)).toEqual({ n: 1, end: 300 });
    expect(w.size).toBe(0);
  });

  it('an answer out of order completes nothing until the frames before it are answered', () => {
    const w = new AckWindow();
    for (let t = 1; t <= 4; t++) w.push(t, t * 100);
    expect(w.ack(3)).toBeUndefined();
    expect(w.ack(2)).toBeUndefined();
    expect(w.size).toBe(4);
    expect(w.ack(1)).toEqual({ n: 3, end: 300 });
    expect(w.size).toBe(1);
    expect(w.find(4)?.end).toBe(400);
  });

  it('an unknown or repeated transaction number changes nothing', () => {
    const w = new AckWindow();
    w.push(7, 70);
    w.push(8, 80);
    expect(w.ack(99)).toBeUndefined();
    expect(w.ack(8)).toBeUndefined();
    expect(w.ack(8)).toBeUndefined();
    expect(w.size).toBe(2);
    expect(w.ack(7)).toEqual({ n: 2, end: 80 });
  });

  it('keeps working past its compaction point (a long run never answered all at once)', () => {
    const w = new AckWindow();
    let next = 1;
    let acked = 0;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 100; i++, next++) w.push(next, next);
      // One frame always stays in flight, so the window never empties by itself.
      while (w.size > 1) {
        const done = w.ack(acked + 1);
        expect(done).toEqual({ n: 1, end: acked + 1 });
        acked++;
      }
    }
    expect(w.size).toBe(1);
    expect(w.find(next - 1)?.txnr).toBe(next - 1);
    w.clear();
    expect(w.size).toBe(0);
  });
});
