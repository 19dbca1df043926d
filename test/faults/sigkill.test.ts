import * as fs from 'node:fs';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/processes.js';
import { checkFaultFile, type FaultChild, forkFault, nextMessage, stopFault } from './fault-log.js';

// 100 B .. 200 KB: small records, batches of them over a page, and records of many pages.
// Half the records of many pages: the more time in write(2), the more kills cut one.
const SIZE_LIST = [200_000, 100, 200_000, 8000, 200_000, 300, 64_000, 200_000, 1000, 200_000].join(
  ',',
);
const KILL_FOR_MS = 10_000;
// The writers' own options: FANIN_SIGKILL_BATCH raises batchBytes to measure the residual race
// (see the README: fewer, longer writes, so more of them are cut).
const OPTIONS = process.env.FANIN_SIGKILL_BATCH
  ? { batchBytes: Number(process.env.FANIN_SIGKILL_BATCH), minWriteIntervalMs: 5 }
  : {};

interface Slot {
  id: string;
  f: FaultChild;
  ready: boolean;
}

describe('fault: SIGKILL of append-file writers', () => {
  it("4 writers of 100 B .. 200 KB killed and restarted for 10 s: no survivor's record damaged, only a killed writer's own last record torn", async () => {
    const file = path.join(tempDir(), 'app.log');
    let next = 0;
    const start = (slot: number): Slot => {
      const id = `p${slot}.${next++}`;
      const f = forkFault('fault-writer', [file, id, SIZE_LIST, '0'], OPTIONS);
      const slotted: Slot = { id, f, ready: false };
      void nextMessage(f, 'ready').then(
        () => {
          slotted.ready = true;
        },
        () => {},
      );
      return slotted;
    };
    const slots = [0, 1, 2, 3].map(start);
    const killed = new Set<string>();
    const began = Date.now();
    // The kill schedule (not a wait for a state): a running writer every 50-150 ms, at random
    // (one still starting is left alone: a kill then would only test Node's start-up).
    while (Date.now() - began < KILL_FOR_MS) {
      await delay(50 + Math.floor(Math.random() * 100));
      const running = slots.filter((s) => s.ready);
      const victim = running[Math.floor(Math.random() * running.length)];
      if (!victim) continue;
      victim.f.child.kill('SIGKILL');
      await victim.f.exited;
      killed.add(victim.id);
      const slot = slots.indexOf(victim);
      slots[slot] = start(slot);
    }
    await Promise.all(slots.map((s) => nextMessage(s.f, 'ready')));
    const reports = await Promise.all(slots.map((s) => stopFault(s.f)));
    const check = checkFaultFile(file);

    // A fragment is allowed only as a killed writer's own record, after all its whole ones.
    const lastWhole = (w: string) => Math.max(-1, ...(check.seqs.get(w) ?? []));
    const ownTears = check.fragments.filter((t) => killed.has(t.w) && t.s > lastWhole(t.w));
    const damaged = check.glued.length + check.fragments.length - ownTears.length;
    const row = {
      kills: killed.size,
      damaged,
      ownTears: ownTears.length,
      blank: check.blank,
      bytes: fs.statSync(file).size,
      fragments: check.fragments,
      glued: check.glued,
    };
    console.log(`sigkill: ${JSON.stringify(row)}`);
    expect({ garbage: check.garbage, duplicates: check.duplicates }).toEqual({
      garbage: [],
      duplicates: 0,
    });
    // The residual race (core README, "A writer killed in the middle of a write"): a write that
    // starts after a writer's tail check and is cut before that writer's own write lands glues
    // that writer's next record onto the cut. Measured 0 in 7 runs (138 kills); 1 in each of two
    // runs of 39 and 44 kills: bounded here by the cuts, never more than one record a cut.
    expect(damaged).toBeLessThanOrEqual(ownTears.length);
    expect(check.fragments.length - ownTears.length).toBe(0);
    expect(killed.size).toBeGreaterThanOrEqual(10);
    // The writers still alive at the end lost nothing: every record whole, once, in order.
    for (const [i, s] of slots.entries()) {
      const report = reports[i] as { records: number; stats: { dropped: { total: number } } };
      expect(report.stats.dropped.total).toBe(0);
      expect(check.seqs.get(s.id)).toEqual(Array.from({ length: report.records }, (_, k) => k));
    }
  }, 90_000);
});
