import type { FaninError } from '@fanin/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IpcAccount } from '../src/ipc-account.js';

function account() {
  const errors: FaninError[] = [];
  const a = new IpcAccount({ onError: (e) => errors.push(e) });
  return { a, errors };
}

describe('IpcAccount: one report per outage', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('reports the first case at once, sums up the rest every 5 s while it goes on, and once when it ends', () => {
    const { a, errors } = account();
    expect(a.outage('k', 'ERR_FANIN_FRAME', 'peer refused')).toBe(true);
    for (let i = 0; i < 99; i++)
      expect(a.outage('k', 'ERR_FANIN_FRAME', 'peer refused')).toBe(false);
    expect(errors.map((e) => e.message)).toEqual(['peer refused']);
    vi.advanceTimersByTime(5000);
    expect(errors[1]?.message).toMatch(/99 more since \(100 in this outage, which goes on\)/);
    a.outage('k', 'ERR_FANIN_FRAME', 'peer refused');
    vi.advanceTimersByTime(5000);
    vi.advanceTimersByTime(5000);
    expect(errors.map((e) => e.message)).toHaveLength(3);
    expect(errors[2]?.message).toMatch(/1 more since \(101 in this outage/);
    // Over: the next case starts a new outage, reported at once.
    expect(a.outage('k', 'ERR_FANIN_FRAME', 'peer refused')).toBe(true);
    expect(errors).toHaveLength(4);
    expect(errors.every((e) => e.code === 'ERR_FANIN_FRAME')).toBe(true);
  });

  it('kinds are apart; settle() gives the last summary of each at once', () => {
    const { a, errors } = account();
    a.outage('x', 'ERR_FANIN_FRAME', 'x happened');
    a.outage('y', 'ERR_FANIN_TIMEOUT', 'y happened');
    a.outage('y', 'ERR_FANIN_TIMEOUT', 'y happened');
    a.settle();
    expect(errors.map((e) => [e.code, e.message])).toEqual([
      ['ERR_FANIN_FRAME', 'x happened'],
      ['ERR_FANIN_TIMEOUT', 'y happened'],
      [
        'ERR_FANIN_TIMEOUT',
        expect.stringMatching(/^y happened — 1 more since \(2 in this outage, which ended\)/),
      ],
    ]);
  });

  it('drops are counted by reason and level, noted for the log, and reported once per outage', () => {
    const { a, errors } = account();
    for (let i = 0; i < 5; i++)
      expect(a.drop('queue-full', 'info', 'the buffer is full')).toBe(false);
    a.drop('closed', undefined, 'the writer is closed');
    const s = a.snapshot(0, 0);
    expect(s.dropped).toEqual({
      total: 6,
      byReason: { 'queue-full': 5, closed: 1 },
      byLevel: { info: 5 },
    });
    expect(errors.map((e) => e.message)).toEqual([
      'fanin: record dropped (queue-full): the buffer is full',
      'fanin: record dropped (closed): the writer is closed',
    ]);
    // The log's notice names the loss (core's LossLedger leaves 'closed' out of it).
    expect(a.noticeDue(true)).toMatch(/"queue-full":5/);
    expect(a.noticeDue(true)).toBeUndefined();
    a.settle();
  });
});
