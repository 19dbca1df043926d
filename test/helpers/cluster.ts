// A cluster primary (test/fixtures/ipc-cluster.cjs, the writer) and its workers, as the cluster
// tests start them, watch them log, and kill the primary under them.
import * as fs from 'node:fs';
import { expect, vi } from 'vitest';
import { checkLog, type LogCheck } from './check-log.js';
import { type IpcReport, shortTempDir, workersGone } from './ipc.js';
import { type Forked, forkFixture, whileAlive } from './processes.js';

/** How {@link clusterPrimary} runs test/fixtures/ipc-cluster.cjs. */
export interface ClusterRun {
  /** The front end of every process (ipc-peer.cjs modes). @default 'writer' */
  mode?: string;
  workers: number;
  /** "small,medium,large" records each worker logs. */
  counts: string;
  ending: 'close' | 'exit' | 'forever';
  /** Flags of ipc-cluster.cjs (wait, primary-logs, no-writer) and of its workers. @default [] */
  flags?: string[];
  /** fanin options of every process. @default {} */
  options?: object;
  /** Keep the processes' stderr out of the test output. @default false */
  quiet?: boolean;
}

/** A running {@link clusterPrimary}: the log `file` and the workers' exit reports `side`. */
export interface Cluster {
  primary: Forked;
  dir: string;
  file: string;
  side: string;
}

/**
 * Starts a cluster primary and its workers in a fresh short directory: all log to `file`, each
 * worker appends its exit report to `side`.
 *
 * @example
 * const c = clusterPrimary({ workers: 4, counts: '300,5,0', ending: 'forever', flags: ['wait'] });
 */
export function clusterPrimary(run: ClusterRun): Cluster {
  const { dir, file, side } = shortTempDir();
  const { mode = 'writer', workers, counts, ending, flags = [] } = run;
  const args = [mode, file, String(workers), counts, ending, side, ...flags];
  const options = { quiet: run.quiet ?? false, options: run.options ?? {} };
  return { primary: forkFixture('ipc-cluster', args, options), dir, file, side };
}

/**
 * Resolves once at least `workers` workers have said they are a third into their plan
 * ('progress'); rejects if the primary exits first. At least: by the time a poll runs on a loaded
 * machine, more workers may have reported.
 */
export function workersProgressed(primary: Forked, workers: number): Promise<void> {
  const progressing = () =>
    new Set(
      primary.messages
        .filter((m) => (m as { kind?: string }).kind === 'progress')
        .map((m) => (m as { worker: number }).worker),
    ).size;
  return whileAlive(
    [primary],
    vi.waitFor(() => expect(progressing()).toBeGreaterThanOrEqual(workers), {
      timeout: 20_000,
      interval: 5,
    }),
  );
}

/** What is left once {@link killPrimary} killed the writer under its workers. */
export interface Orphaned {
  /** The workers' exit reports, by process number. */
  workers: IpcReport[];
  /** Records each process logged (the primary, p = 0, none). */
  expected: number[];
  check: LogCheck;
  /** Records the workers wrote again themselves (those in flight may be in the log twice). */
  resent: number;
}

/**
 * SIGKILLs the primary (the writer) of `workers` workers and waits for their exit reports: each
 * worker's exit hook writes what the dead primary had not acknowledged. Returns the reports and
 * the check of the log.
 */
export async function killPrimary(c: Cluster, workers: number): Promise<Orphaned> {
  c.primary.child.kill('SIGKILL');
  expect(await c.primary.exited).toEqual({ code: null, signal: 'SIGKILL' });
  const reports = await workersGone(c.side, workers);
  const expected = [0, ...reports.map((w) => w.records)];
  const check = checkLog(fs.readFileSync(c.file, 'utf8'), expected);
  const resent = reports.reduce((n, w) => n + w.stats.ipc.resent, 0);
  return { workers: reports, expected, check, resent };
}
