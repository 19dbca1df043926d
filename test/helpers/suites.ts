import * as fs from 'node:fs';
import * as path from 'node:path';
import { SIZES } from '@fanin/core/testing';
import { expect } from 'vitest';
import { checkLog, expectWholeLog, type LogCheck } from './check-log.js';
import { type IpcCounters, shortTempDir } from './ipc.js';
import {
  expectCleanExits,
  type FixtureReport,
  type Forked,
  forkFixture,
  messageOf,
  reportOf,
  startTogether,
} from './processes.js';

/** The three front ends every fixture of a transport package takes. */
export const MODES = ['writer', 'winston', 'log4js'] as const;
export type Mode = (typeof MODES)[number];

/** Records of one process, by size: 100 B, 8 KiB (over PIPE_BUF), 200 KiB (over a batch). */
export interface Counts {
  small: number;
  medium: number;
  large: number;
}

/** One writer package as test/fixtures/writer.cjs drives it, and what its stats promise. */
export interface WriterKind {
  /** writer.cjs's first argument. */
  kind: 'append' | 'locked' | 'async' | 'ipc';
  pkg: string;
  /**
   * What each process's `stats()` must show after a clean run of `records` records each,
   * besides no drop.
   */
  cleanStats(records: number): Record<string, unknown>;
  /** Options for every process of a run (a short lock staleness, so a killed holder's lock goes). */
  options?: Record<string, unknown>;
  /**
   * Least times the records of a clean run switch from one process to another, as the proof
   * that they wrote at the same time (one after another gives processes − 1). None for the
   * async queue: each writer thread drains its whole ring in one write, so 4 processes of 0.6 MB
   * may take turns whole.
   */
  minSwitches(processes: number): number;
  /** More checks of the processes' final stats after a clean run. */
  checkReports?(reports: FixtureReport[]): void;
}

/** `stats().lock` of @fanin/locked-file, the part read here. */
interface LockCounters {
  lock: { busy: number };
}

/** The four writers; each runs every suite of this file. */
export const WRITER_KINDS: readonly WriterKind[] = [
  {
    kind: 'append',
    pkg: '@fanin/append-file',
    cleanStats: (records) => ({ records }),
    minSwitches: (n) => n * 2,
  },
  {
    kind: 'locked',
    pkg: '@fanin/locked-file',
    cleanStats: (records) => ({
      records,
      lock: { takeovers: 0, compromised: 0, exitBypasses: 0 },
    }),
    minSwitches: (n) => n,
    // proper-lockfile's floor: a SIGKILLed holder's lock is taken over after 2 s.
    options: { lockStaleMs: 2000 },
    // The processes really contended for the lock.
    checkReports: (reports) => {
      const busy = reports.reduce((n, r) => n + (r.stats as unknown as LockCounters).lock.busy, 0);
      expect(busy).toBeGreaterThan(0);
    },
  },
  {
    kind: 'async',
    pkg: '@fanin/async-queue',
    cleanStats: (records) => ({ records, queue: { fallbackWrites: 0, workerAlive: true } }),
    minSwitches: () => 0,
  },
  {
    kind: 'ipc',
    pkg: '@fanin/ipc',
    // A forwarder's records are written (and counted) by the writer process, not by itself.
    cleanStats: () => ({ ipc: { writerLost: 0, protocolErrors: 0 } }),
    minSwitches: (n) => n,
    // Independent processes on one socket: one is elected writer, the others forward to it
    // (roles change as writers close, so the counts tell, not the last roles).
    checkReports: (reports) => {
      const ipc = reports.map((r) => (r.stats as unknown as { ipc: IpcCounters }).ipc);
      const received = ipc.reduce((n, c) => n + c.received, 0);
      expect(received, 'records went through an elected writer').toBeGreaterThan(0);
      expect(received).toBeLessThanOrEqual(ipc.reduce((n, c) => n + c.forwarded, 0));
    },
  },
];

/** One run of writer.cjs processes of one kind, mode and counts on one file. */
export interface RunPlace {
  /** A fresh directory, short: it holds ipc's socket. */
  dir: string;
  file: string;
  /** Records each process logs. */
  perProcess: number;
  /** Forks writer.cjs as process `p`, with more arguments (an ending, 'until-stop'). */
  fork(p: number, more?: string[], options?: { quiet?: boolean }): Forked;
}

/** A directory, a log file and the forks of writer.cjs for kind `w` in `mode`, logging `counts`. */
export function runPlace(w: WriterKind, mode: Mode, counts: Counts): RunPlace {
  const { dir, sock } = shortTempDir();
  const file = path.join(dir, 'app.log');
  const extra = [JSON.stringify(w.options ?? {}), ...(w.kind === 'ipc' ? [`via:${sock}`] : [])];
  const plan = `${counts.small},${counts.medium},${counts.large}`;
  return {
    dir,
    file,
    perProcess: counts.small + counts.medium + counts.large,
    fork: (p, more = [], options = {}) =>
      forkFixture('writer', [w.kind, mode, file, String(p), plan, ...extra, ...more], options),
  };
}

/**
 * `processes` writer.cjs processes of kind `w` start together on one file and log their
 * records; each must report every record written, with no drop; the file must hold every record
 * whole, once, in order per process. Returns the check of the file for more assertions.
 */
export async function runTogether(
  w: WriterKind,
  mode: Mode,
  processes: number,
  counts: Counts,
): Promise<LogCheck> {
  const { perProcess, ...place } = runPlace(w, mode, counts);
  const forked = Array.from({ length: processes }, (_, p) => place.fork(p));
  await startTogether(forked);
  await expectCleanExits(forked);
  const reports = forked.map(reportOf);
  for (const report of reports) {
    expect(report.records).toBe(perProcess);
    expect(report.stats).toMatchObject({ dropped: { total: 0 }, ...w.cleanStats(perProcess) });
  }
  w.checkReports?.(reports);
  const check = checkLog(fs.readFileSync(place.file), Array(processes).fill(perProcess));
  expectWholeLog(check, processes * perProcess);
  expect(check.switches).toBeGreaterThanOrEqual(w.minSwitches(processes));
  expect(fs.readdirSync(place.dir), 'no lock or socket left behind').toEqual(['app.log']);
  return check;
}

/**
 * `processes` processes of kind `w` log `counts` in one synchronous loop and end at once with
 * process.exit(0) or an uncaught exception: only the exit hooks can write; every record of every
 * process must be in the file, whole, once, in order.
 */
export async function endRightAfterLogging(
  w: WriterKind,
  mode: Mode,
  ending: 'exit' | 'throw',
  processes: number,
  counts: Counts,
): Promise<void> {
  const { perProcess, ...place } = runPlace(w, mode, counts);
  const forked = Array.from({ length: processes }, (_, p) =>
    place.fork(p, [ending], { quiet: ending === 'throw' }),
  );
  const exits = await Promise.all(forked.map((f) => f.exited));
  expect(exits).toEqual(forked.map(() => ({ code: ending === 'exit' ? 0 : 1, signal: null })));
  if (ending === 'throw') {
    for (const f of forked) expect(f.stderr.join('')).toContain('uncaught, on purpose');
  }
  const check = checkLog(fs.readFileSync(place.file), Array(processes).fill(perProcess));
  expectWholeLog(check, processes * perProcess);
}

/** What {@link killOneWriter} found. */
export interface KillRun {
  check: LogCheck;
  /** Index of the killed process: the last one. */
  victim: number;
  /** Records of the victim that reached the file (a prefix of what it logged). */
  victimRecords: number;
  reports: FixtureReport[];
}

/**
 * `processes − 1` processes of kind `w` log `counts` while one more logs the same mix over and
 * over; once that one is writing it is SIGKILLed. The others must finish with every record
 * whole, once (ipc: at most its resent records twice), in order; the victim's records that
 * reached the file are a prefix of what it logged, nothing duplicated, at most its own last
 * record torn (SIGKILL between the pages of a write(2), core README).
 */
export async function killOneWriter(
  w: WriterKind,
  mode: Mode,
  processes: number,
  counts: Counts,
): Promise<KillRun> {
  const { perProcess, ...place } = runPlace(w, mode, counts);
  const victim = processes - 1;
  const survivors = Array.from({ length: victim }, (_, p) => place.fork(p));
  const killed = place.fork(victim, ['until-stop']);
  await Promise.all([messageOf(killed, 'ready'), ...survivors.map((f) => messageOf(f, 'ready'))]);
  for (const f of survivors) f.child.send('go');
  const third =
    (counts.small * SIZES.small + counts.medium * SIZES.medium + counts.large * SIZES.large) / 3;
  await killOnceWriting(killed, victim, place.file, third);
  expect(await killed.exited).toEqual({ code: null, signal: 'SIGKILL' });
  await expectCleanExits(survivors);
  const reports = survivors.map(reportOf);
  for (const r of reports) expect(r.records).toBe(perProcess);
  // The victim logged at most this many: every sequence it could have reached.
  const bound = 1_000_000;
  const check = checkLog(fs.readFileSync(place.file), [...Array(victim).fill(perProcess), bound]);
  const own = check.records.filter((r) => r.p === victim).map((r) => r.s);
  return { check, victim, victimRecords: own.length, reports };
}

/**
 * SIGKILLs `f`, producer `p`, once the file holds `bytes` and a record of its own (the state
 * the kill waits for: every process is writing). Reads what the file gained at each poll, as
 * nothing else tells that a file grew.
 */
async function killOnceWriting(f: Forked, p: number, file: string, bytes: number): Promise<void> {
  // `"p":N,` starts a record of N in both JSON layouts (winston sorts the keys: `"p":N,"pad"`).
  const own = Buffer.from(`"p":${p},`);
  let offset = 0;
  let seen = false;
  const writing = () => {
    if (!fs.existsSync(file)) return false;
    const size = fs.statSync(file).size;
    if (!seen && size > offset) {
      // Back by the pattern's length, so that a match across two reads is found.
      const from = Math.max(0, offset - own.length);
      const fd = fs.openSync(file, 'r');
      const gained = Buffer.alloc(size - from);
      fs.readSync(fd, gained, 0, gained.length, from);
      fs.closeSync(fd);
      seen = gained.includes(own);
      offset = size;
    }
    return seen && size >= bytes;
  };
  await new Promise<void>((resolve) => {
    const poll = setInterval(() => {
      if (!writing() && f.child.exitCode === null) return;
      clearInterval(poll);
      resolve();
    }, 2);
  });
  f.child.kill('SIGKILL');
}
