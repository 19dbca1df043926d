// The benchmark orchestrator: for each workload × process count × subject, fork the workers,
// start them together, time them, check the file they wrote, and report. See README.md.
//
//   node bench/run.mjs [--quick] [--only <substring,…>] [--workload <name>] [--procs 1,2,4]
//                      [--reps N] [--burst N] [--cpu-prof]

import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { checkLog, isClean } from './integrity.mjs';
import { callTimes, computeRatios, summarize } from './report.mjs';
import { machine, writeResults } from './results.mjs';
import { ratios, subjects } from './subjects.mjs';
import { rowRecords, workloads } from './workloads.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
/** A run that has not finished by then is killed and its row reported as an error. */
const RUN_TIMEOUT_MS = 120_000;

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    workload: { type: 'string' },
    procs: { type: 'string', default: '1,2,4' },
    reps: { type: 'string' },
    burst: { type: 'string', default: '100' },
    'cpu-prof': { type: 'boolean', default: false },
  },
});
const config = {
  quick: args.quick,
  reps: Number(args.reps ?? (args.quick ? 1 : 3)),
  procs: args.procs.split(',').map(Number),
  burst: Number(args.burst),
  // Anything but the default full run (narrowed, or with other batching or a profiler) is not
  // the committed result.
  partial:
    args.only !== undefined ||
    args.workload !== undefined ||
    args.procs !== '1,2,4' ||
    args.burst !== '100' ||
    args['cpu-prof'],
};
const only = args.only?.split(',').filter(Boolean);
const chosenSubjects = subjects.filter((s) => !only || only.some((o) => s.name.includes(o)));
const chosenWorkloads = workloads.filter((w) => !args.workload || w.name === args.workload);
const positive = (n) => Number.isInteger(n) && n > 0;
if (!config.procs.every(positive) || !positive(config.reps) || !positive(config.burst)) {
  throw new Error('--procs, --reps and --burst take positive integers (e.g. --procs 2,4)');
}
if (chosenSubjects.length === 0 || chosenWorkloads.length === 0) {
  throw new Error(
    `no subject matches --only ${args.only ?? ''} or no workload ${args.workload ?? ''}`,
  );
}
const execArgv = args['cpu-prof']
  ? [
      '--cpu-prof',
      '--cpu-prof-interval=100',
      `--cpu-prof-dir=${path.join(here, 'results', 'profiles')}`,
    ]
  : [];

// A forked worker: `ready` and `done` resolve with its messages; both reject with the error it
// reports, or when it exits before sending them.
function startWorker(job) {
  const child = fork(path.join(here, 'worker.mjs'), [JSON.stringify(job)], {
    serialization: 'advanced', // the sampled call times travel as a Float64Array
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const settle = {};
  const w = {
    child,
    exited: new Promise((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    ),
    ready: new Promise((resolve, reject) =>
      Object.assign(settle, { ready: resolve, fail: reject }),
    ),
  };
  w.done = new Promise((resolve, reject) => {
    settle.done = resolve;
    w.ready.catch(reject);
    settle.failDone = reject;
  });
  w.done.catch(() => {});
  let failure;
  child.on('message', (m) => {
    if (m.type === 'ready') settle.ready(m);
    else if (m.type === 'done') settle.done({ ...m, at: process.hrtime.bigint() });
    else if (m.type === 'error') failure = new Error(m.message);
  });
  w.exited.then(({ code, signal }) => {
    const err = failure ?? new Error(`worker exited (${code ?? signal}) before it was done`);
    settle.fail(err);
    settle.failDone(err);
  });
  return w;
}

function withTimeout(promise, workers) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => {
      for (const w of workers) w.child.kill('SIGKILL');
      reject(new Error(`run timed out after ${RUN_TIMEOUT_MS} ms`));
    }, RUN_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function runOnce(subject, workload, procs, perProcess) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fanin-bench-'));
  const file = path.join(dir, 'bench.log');
  const base = { subject: subject.name, workload: workload.name, count: perProcess, file };
  const workers = [];
  try {
    for (let p = 0; p < procs; p++) workers.push(startWorker({ ...base, p, burst: config.burst }));
    const readies = await withTimeout(Promise.all(workers.map((w) => w.ready)), workers);
    const t0 = process.hrtime.bigint();
    for (const w of workers) w.child.send('go');
    const dones = await withTimeout(Promise.all(workers.map((w) => w.done)), workers);
    const wallNs = Math.max(...dones.map((d) => Number(d.at - t0)));
    const exits = await withTimeout(Promise.all(workers.map((w) => w.exited)), workers);
    const bad = exits.find((e) => e.code !== 0);
    if (bad) throw new Error(`a worker exited with ${bad.code ?? bad.signal} after done`);
    const integrity = subject.writesFile
      ? checkLog(
          file,
          dones.map((d) => d.records),
        )
      : undefined;
    return {
      wallNs,
      workerNs: dones.map((d) => d.elapsedNs),
      records: dones.reduce((n, d) => n + d.records, 0),
      bytes: dones.reduce((n, d) => n + d.bytes, 0),
      ...callTimes(dones),
      maxRssKiB: Math.max(...dones.map((d) => d.maxRssKiB)),
      integrity,
      errors: dones.flatMap((d) => d.errors),
      note: readies[0].note,
    };
  } finally {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function progress(i, total, row) {
  const head = `[${i}/${total}] ${row.workload} ×${row.procs} ${row.subject}`;
  if (row.error) return process.stderr.write(`${head}: ERROR ${row.error}\n`);
  const rate = Math.round(row.recordsPerSec).toLocaleString('en-US');
  const spread = `${Math.round(row.minRecordsPerSec / 1000)}k–${Math.round(row.maxRecordsPerSec / 1000)}k`;
  const ok = !row.integrity
    ? 'no file'
    : isClean(row.integrity)
      ? 'integrity ok'
      : 'INTEGRITY FAIL';
  process.stderr.write(`${head}: ${rate} rec/s (${spread}), ${ok} [${row.seconds.toFixed(1)} s]\n`);
}

function rowKey(subject, workload, procs) {
  const perProcess = Math.ceil(rowRecords(workload, subject, config.quick) / procs);
  return {
    subject: subject.name,
    framework: subject.framework,
    procs,
    workload: workload.name,
    recordsPerProcess: perProcess,
  };
}

function finishRow(entry) {
  const { subject, key, runs, error, seconds } = entry;
  if (error) return { ...key, error, runs, seconds };
  const row = summarize({ ...key, writesFile: subject.writesFile }, runs);
  if (runs[0]?.note) row.note = runs[0].note;
  return { ...row, seconds };
}

// The rows of one workload × process count. Repetitions go round the subjects (rep 1 of each,
// then rep 2 of each…), so a burst of load from elsewhere on the machine, or slow drift, spreads
// over all the subjects compared in a ratio instead of landing on one of them.
async function runGroup(workload, procs) {
  const group = chosenSubjects.map((subject) => ({
    subject,
    key: rowKey(subject, workload, procs),
    runs: [],
    seconds: 0,
  }));
  for (let rep = 0; rep < config.reps; rep++) {
    for (const entry of group.filter((e) => !e.error)) {
      const t = Date.now();
      try {
        entry.runs.push(await runOnce(entry.subject, workload, procs, entry.key.recordsPerProcess));
      } catch (err) {
        entry.error = err.message.split('\n')[0];
        if (process.env.BENCH_DEBUG) process.stderr.write(`${err.stack}\n`);
      }
      entry.seconds += (Date.now() - t) / 1000;
    }
  }
  return group.map(finishRow);
}

async function main() {
  const rows = [];
  const total = chosenWorkloads.length * config.procs.length * chosenSubjects.length;
  const started = Date.now();
  const loadBefore = os.loadavg()[0];
  for (const workload of chosenWorkloads) {
    for (const procs of config.procs) {
      process.stderr.write(
        `${workload.name} ×${procs}: ${chosenSubjects.length} subjects × ${config.reps} rep(s)…\n`,
      );
      for (const row of await runGroup(workload, procs)) {
        rows.push(row);
        progress(rows.length, total, row);
      }
    }
  }
  const seconds = (Date.now() - started) / 1000;
  const meta = { ...machine(), ...config, seconds, load1: [loadBefore, os.loadavg()[0]] };
  const markdown = writeResults(here, meta, rows, computeRatios(rows, ratios), chosenSubjects);
  process.stdout.write(`${markdown}\n`);
}

await main();
