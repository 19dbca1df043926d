import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkLog, expectWholeLog } from './helpers/check-log.js';
import { clusterPrimary } from './helpers/cluster.js';
import { type IpcReport, type IpcStats, MIXED, planned, readSideFile } from './helpers/ipc.js';
import { messageOf } from './helpers/processes.js';

const WORKERS = 4;
// Per process: MIXED, 100 B records, 8 KiB ones and 200 KiB ones (over a 64 KiB batch), shuffled.
// The framework front ends: fewer, but still mixed.
const FRAMEWORK = '800,10,1';

type Ending = 'close' | 'exit';

interface PrimaryDone {
  kind: 'primary-done';
  records: number;
  stats: IpcStats;
  exits: { worker: number; code: number | null; signal: string | null }[];
  errors: unknown[];
}

/**
 * Runs a cluster primary (which writes and logs its own records as p = 0) and its workers
 * (p = 1 … WORKERS), all through `mode`; returns the primary's report and one report a worker.
 */
async function runCluster(mode: string, counts: string, ending: Ending, options = {}) {
  const flags = ['primary-logs', 'wait'];
  const { primary, file, side } = clusterPrimary({
    mode,
    workers: WORKERS,
    counts,
    ending,
    flags,
    options,
  });
  expect(await primary.exited).toEqual({ code: 0, signal: null });
  const done = (await messageOf(primary, 'primary-done')) as PrimaryDone;
  const workers = readSideFile(side).sort((a, b) => a.p - b.p);
  return { file, done, workers, messages: primary.messages as IpcReport[] };
}

function expectAllForwarded(
  done: PrimaryDone,
  workers: IpcReport[],
  perProcess: number,
  link: 'socket' | 'channel',
) {
  expect(done.exits.map((e) => e.code)).toEqual(Array(WORKERS).fill(0));
  expect(done.records).toBe(perProcess);
  expect(done.stats.ipc.role).toBe('writer');
  expect(done.stats.dropped.total).toBe(0);
  expect(done.errors).toEqual([]);
  expect(workers.map((w) => w.p)).toEqual([1, 2, 3, 4]);
  for (const w of workers) {
    expect(w.records).toBe(perProcess);
    expect(w.errors).toEqual([]);
    expect(w.stats.dropped.total).toBe(0);
    expect(w.stats.ipc).toMatchObject({
      role: 'forwarder',
      resent: 0,
      writerLost: 0,
      inFlight: 0,
      link,
    });
    // Every record was forwarded and acknowledged, or (at exit) written by the worker itself.
    expect(w.stats.ipc.acked).toBe(w.stats.ipc.forwarded);
    expect(w.stats.ipc.acked + w.stats.ipc.directWrites).toBe(perProcess);
  }
  // The primary received exactly what the workers forwarded.
  const forwarded = workers.reduce((n, w) => n + w.stats.ipc.forwarded, 0);
  expect(done.stats.ipc.received).toBe(forwarded);
}

describe('@fanin/ipc via cluster: a primary writes, 4 workers forward', () => {
  // Batches go over the primary's private socket, or (privateSocket: false) over the channel.
  const cases: [string, string, Ending, 'socket' | 'channel'][] = [
    ['writer', MIXED, 'close', 'socket'],
    ['writer', MIXED, 'exit', 'socket'],
    ['winston', FRAMEWORK, 'close', 'socket'],
    ['winston', FRAMEWORK, 'exit', 'socket'],
    ['log4js', FRAMEWORK, 'close', 'socket'],
    ['log4js', FRAMEWORK, 'exit', 'socket'],
    ['writer', MIXED, 'close', 'channel'],
    ['writer', MIXED, 'exit', 'channel'],
  ];
  for (const [mode, counts, ending, link] of cases) {
    const how =
      ending === 'close'
        ? 'workers end their logger, then leave'
        : 'workers call process.exit(0) right after their last record';
    it(`${mode}, batches over the ${link === 'socket' ? 'private socket' : 'cluster channel'}: ${how}; every record of the primary and the workers whole, once, in order`, async () => {
      const perProcess = planned(counts);
      const options = link === 'channel' ? { privateSocket: false } : {};
      const { file, done, workers } = await runCluster(mode, counts, ending, options);
      const check = checkLog(fs.readFileSync(file, 'utf8'), Array(WORKERS + 1).fill(perProcess));
      expectWholeLog(check, (WORKERS + 1) * perProcess);
      // Workers and the primary logged at the same time.
      expect(check.switches).toBeGreaterThanOrEqual(WORKERS);
      expectAllForwarded(done, workers, perProcess, link);
    });
  }
});
