import * as fs from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { expect } from 'vitest';
import {
  checkFaultFile,
  type FaultCheck,
  type FaultChild,
  forkFault,
  nextMessage,
  stopFault,
} from './fault-log.js';

/** Options of {@link killWriters}. */
export interface KillWritersOptions {
  file: string;
  /** Record sizes, comma-separated bytes, cycled. */
  sizes: string;
  /** How long to go on killing and restarting (counted once the first writers are ready). */
  durationMs: number;
  /** Stop earlier, once this many writers were killed. @default no limit */
  kills?: number;
  /** FANIN_FAULT_OPTIONS of every writer: `transport`, `front`, the writer's options. */
  options?: object;
  /** Writers alive at once. @default 4 */
  slots?: number;
  /** ms between a writer's records; 0: one every event-loop turn. @default 0 */
  intervalMs?: number;
}

/** A survivor's final report (fault-writer's `done`). */
export interface SurvivorReport {
  records: number;
  stats: { dropped: { total: number }; ipc?: { resent?: number } };
}

/** What {@link killWriters} left: the log's check, who was killed, and the survivors. */
export interface KillResult {
  check: FaultCheck;
  killed: Set<string>;
  survivors: { id: string; report: SurvivorReport }[];
  bytes: number;
}

interface Slot {
  id: string;
  f: FaultChild;
  ready: boolean;
}

/**
 * Runs `slots` fault-writer processes on `file` and, for `durationMs`, SIGKILLs a running one
 * every 50-150 ms at random and starts a new writer (a new id) in its place; then stops the
 * survivors, waits for their reports, and checks the log. The pauses are the fault's schedule,
 * not a wait for a state: each kill waits for the victim's `ready` and for its exit.
 */
export async function killWriters(o: KillWritersOptions): Promise<KillResult> {
  let next = 0;
  const start = (slot: number): Slot => {
    const id = `p${slot}.${next++}`;
    const f = forkFault(
      'fault-writer',
      [o.file, id, o.sizes, String(o.intervalMs ?? 0)],
      o.options ?? {},
    );
    const slotted: Slot = { id, f, ready: false };
    void nextMessage(f, 'ready').then(
      () => {
        slotted.ready = true;
      },
      () => {},
    );
    return slotted;
  };
  const slots = Array.from({ length: o.slots ?? 4 }, (_, i) => start(i));
  const killed = new Set<string>();
  await Promise.all(slots.map((s) => nextMessage(s.f, 'ready')));
  const began = Date.now();
  while (Date.now() - began < o.durationMs && killed.size < (o.kills ?? Infinity)) {
    await delay(50 + Math.floor(Math.random() * 100));
    // One still starting is left alone: a kill then would only test Node's start-up.
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
  const reports = (await Promise.all(slots.map((s) => stopFault(s.f)))) as unknown[];
  return {
    check: checkFaultFile(o.file),
    killed,
    survivors: slots.map((s, i) => ({ id: s.id, report: reports[i] as SurvivorReport })),
    bytes: fs.statSync(o.file).size,
  };
}

/**
 * The promise of a kill loop: no garbage, no duplicate (unless `resends` gives the records a
 * survivor's transport counts as resent: then at most that many copies of its records); a fragment only as a killed writer's own record after all its
 * whole ones; survivors' records damaged at most once per such tear (the residual race of the
 * core README); survivors lost nothing: every record whole, once, in order. Returns the row
 * of figures it logged.
 */
export function expectSurvivorsWhole(
  name: string,
  r: KillResult,
  resends?: (report: SurvivorReport) => number,
): Record<string, unknown> {
  const { check, killed } = r;
  const lastWhole = (w: string) => Math.max(-1, ...(check.seqs.get(w) ?? []));
  const ownTears = check.fragments.filter((t) => killed.has(t.w) && t.s > lastWhole(t.w));
  const damaged = check.glued.length + check.fragments.length - ownTears.length;
  const row = {
    ...{ kills: killed.size, damaged, ownTears: ownTears.length, blank: check.blank },
    ...{ duplicates: check.duplicates, bytes: r.bytes },
  };
  console.log(`${name}: ${JSON.stringify(row)}`);
  expect(check.garbage).toEqual([]);
  if (!resends) expect(check.duplicates).toBe(0);
  expect(damaged).toBeLessThanOrEqual(ownTears.length);
  expect(check.fragments.length - ownTears.length).toBe(0);
  for (const { id, report } of r.survivors) {
    expect(report.stats.dropped.total).toBe(0);
    // First appearances (a resent batch appears again later): 0 … records-1 in order.
    const seqs = check.seqs.get(id) ?? [];
    const firsts = [...new Set(seqs)];
    expect(firsts).toEqual(Array.from({ length: report.records }, (_, k) => k));
    // A copy of a survivor's record is one it resent itself (ipc: `stats().ipc.resent`, its
    // in-flight records when a writer died). A killed writer's resends are not known (it never
    // reported): copies of its records are allowed, whole.
    if (resends) expect(seqs.length - firsts.length).toBeLessThanOrEqual(resends(report));
  }
  return row;
}
