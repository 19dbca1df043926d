import { prng } from '@fanin/core/testing';
import { type Forked, messageOf } from './processes.js';

/** One process the killer loop started: its producer index, its slot, and how it ended. */
export interface Incarnation {
  /** Producer index: 0, 1, 2 … in order of start, never reused (a restart is a new producer). */
  p: number;
  slot: number;
  forked: Forked;
  /** SIGKILLed by the loop (else it was stopped at the end and exited by itself). */
  killed: boolean;
  exit: { code: number | null; signal: NodeJS.Signals | null };
}

/** Options of {@link killLoop}. */
export interface KillLoopOptions {
  /** Writer processes alive at once. */
  slots: number;
  /** How long to go on killing and restarting. */
  durationMs: number;
  /** Starts producer `p` (a fixture writing records of process index `p`). */
  start(p: number): Forked;
  /** How a survivor is told to end at the end. @default sends 'stop' */
  stop?(forked: Forked): void;
  /** A message kind the fixture sends once it is writing; a process is killed only after it. @default 'ready' */
  readyKind?: string;
  /** Random pause after `ready` before the kill, in ms: [min, max]. @default [5, 60] */
  gapMs?: [number, number];
  /** Seed of the schedule (which slot, which pause), so a failing run can be replayed. @default 1 */
  seed?: number;
}

/**
 * Keeps `slots` writer processes running for `durationMs`, SIGKILLing one at a time at a
 * random moment after it is writing (seeded, so the schedule replays) and starting a new
 * producer in its place; at the end tells the survivors to stop and waits for every exit.
 * The pauses are the fault's schedule, not a wait for a state: each kill waits for the
 * process's `ready` and for its exit.
 *
 * @example
 * const all = await killLoop({ slots: 4, durationMs: 5000, start: (p) => forkFixture('continuous-writer', ['writer', file, String(p), '0']) });
 * const killed = all.filter((i) => i.killed).length;
 */
export async function killLoop(o: KillLoopOptions): Promise<Incarnation[]> {
  const random = prng(o.seed ?? 1);
  const [min, max] = o.gapMs ?? [5, 60];
  const all: Incarnation[] = [];
  const startIn = (slot: number) => {
    const inc: Incarnation = {
      p: all.length,
      slot,
      forked: o.start(all.length),
      killed: false,
      exit: { code: null, signal: null },
    };
    all.push(inc);
    return inc;
  };
  const live = Array.from({ length: o.slots }, (_, slot) => startIn(slot));
  const deadline = Date.now() + o.durationMs;
  while (Date.now() < deadline) {
    const slot = Math.floor(random() * o.slots);
    const victim = live[slot] as Incarnation;
    await messageOf(victim.forked, o.readyKind ?? 'ready');
    await new Promise((resolve) => setTimeout(resolve, min + random() * (max - min)));
    victim.forked.child.kill('SIGKILL');
    victim.killed = true;
    victim.exit = await victim.forked.exited;
    live[slot] = startIn(slot);
  }
  for (const inc of live) {
    await messageOf(inc.forked, o.readyKind ?? 'ready');
    (o.stop ?? ((f: Forked) => f.child.send('stop')))(inc.forked);
  }
  for (const inc of live) inc.exit = await inc.forked.exited;
  return all;
}
