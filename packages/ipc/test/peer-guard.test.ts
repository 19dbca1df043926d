import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type GuardReason, PeerGuard } from '../src/peer-guard.js';

/** A connection as the guard sees it: remembers whether (and why) it was refused. */
function peer(name: string) {
  const p: { name: string; refused?: string; refuse(why: string): void } = {
    name,
    refuse: (why) => {
      p.refused = why;
    },
  };
  return p;
}

function guard(limits: { maxPeers?: number; maxBufferBytes?: number; frameTimeoutMs?: number }) {
  const reasons: GuardReason[] = [];
  const g = new PeerGuard(
    { maxPeers: 10, maxBufferBytes: 1000, frameTimeoutMs: 400, ...limits },
    (reason) => reasons.push(reason),
  );
  return { g, reasons };
}

describe('PeerGuard', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('admits maxPeers connections; the next is refused and counted; a freed place is taken again', () => {
    const { g, reasons } = guard({ maxPeers: 2 });
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map(peer);
    expect(g.admit(a as never)).toBe(true);
    expect(g.admit(b as never)).toBe(true);
    expect(g.admit(c as never)).toBe(false);
    expect(c?.refused).toMatch(/maxPeers \(2 connections\)/);
    g.remove(a as never);
    expect(g.admit(d as never)).toBe(true);
    expect(g.counts).toEqual({ peersRefused: 1, bufferRefused: 0, framesTimedOut: 0 });
    expect(reasons).toEqual(['peersRefused']);
    g.close();
  });

  it('past maxBufferBytes across peers, the one holding the most is closed — not the small one that tipped it', () => {
    const { g } = guard({});
    const [hog, small] = ['hog', 'small'].map(peer);
    g.admit(hog as never);
    g.admit(small as never);
    expect(g.update(hog as never, 900, true)).toBe(true);
    // 900 + 200 > 1000: the hog goes, the small peer stays.
    expect(g.update(small as never, 200, true)).toBe(true);
    expect(hog?.refused).toMatch(/maxPeerBufferBytes \(1000 bytes\)/);
    expect(small?.refused).toBeUndefined();
    expect(g.bufferedBytes).toBe(200);
    // A peer that alone passes the bound is the largest: it goes itself.
    expect(g.update(small as never, 1001, true)).toBe(false);
    expect(g.counts.bufferRefused).toBe(2);
    expect(g.bufferedBytes).toBe(0);
    g.close();
  });

  it('a peer silent inside a frame (or before HELLO) for frameTimeoutMs is closed; one that keeps sending, or holds no frame, is not', () => {
    const { g } = guard({ frameTimeoutMs: 400 });
    const [silent, busy, idle] = ['silent', 'busy', 'idle'].map(peer);
    for (const p of [silent, busy, idle]) g.admit(p as never);
    g.update(silent as never, 10, true);
    g.update(idle as never, 0, false);
    for (let t = 0; t < 8; t++) {
      g.update(busy as never, 10 + t, true);
      vi.advanceTimersByTime(100);
    }
    expect(silent?.refused).toMatch(/frameTimeoutMs \(400 ms\)/);
    expect(busy?.refused).toBeUndefined();
    expect(idle?.refused).toBeUndefined();
    expect(g.counts.framesTimedOut).toBe(1);
    g.close();
  });

  it('a sweep that comes late (the event loop was blocked) judges nobody; the next one on time does', () => {
    const { g } = guard({ frameTimeoutMs: 400 });
    const p = peer('p');
    g.admit(p as never);
    g.update(p as never, 10, true);
    // The loop blocked for 2 s: the clock moved, no timer ran meanwhile.
    vi.setSystemTime(Date.now() + 2000);
    vi.advanceTimersToNextTimer();
    expect(p.refused).toBeUndefined();
    // The bytes that waited in the kernel are read now: progress.
    g.update(p as never, 20, true);
    vi.advanceTimersByTime(300);
    expect(p.refused).toBeUndefined();
    vi.advanceTimersByTime(300);
    expect(p.refused).toMatch(/frameTimeoutMs/);
    g.close();
  });
});
