// The benchmark orchestrator: for each workload × process count × subject, fork the workers
// (processes.mjs), start them together, time them, check the file they wrote, and report. See
// README.md.
//
//   node bench/run.mjs [--quick] [--only <substring,…>] [--workload <name>] [--procs 1,2,4]
//                      [--reps N] [--burst N] [--cpu-prof] [--help]   (bench/cli.mjs)

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCli } from './cli.mjs';
import { collectorMissing, startCollector, waitForLines } from './collector.mjs';
import { checkLog, checkRotatedLog, isClean } from './integrity.mjs';
import { startCluster, startWorkers, withTimeout } from './processes.mjs';
import { callTimes, computeRatios, summarize } from './report.mjs';
import { machine, writeResults } from './results.mjs';
import { ratios, subjects } from './subjects.mjs';
import { rowRecords, rowRotation, runsIn, workloads } from './workloads.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
/** A run that has not finished by then is killed and its row reported as an error. */
const RUN_TIMEOUT_MS = 120_000;

const { config, only, workload: onlyWorkload, cpuProf } = parseCli();
// Rows that ship to rsyslogd need it installed (scripts/system-deps.sh); without it they are
// left out, and said so.
const noCollector = collectorMissing();
const chosenSubjects = subjects
  .filter((s) => !only || only.some((o) => s.name.includes(o)))
  .filter((s) => !(s.collector && noCollector));
if (noCollector && subjects.some((s) => s.collector && !chosenSubjects.includes(s))) {
  process.stderr.write(`bench: syslog rows left out: ${noCollector}\n`);
}
const chosenWorkloads = workloads
  .filter((w) => !onlyWorkload || w.name === onlyWorkload)
  .filter((w) => chosenSubjects.some((s) => runsIn(w, s)));
const subjectsOf = (workload) => chosenSubjects.filter((s) => runsIn(workload, s));
if (chosenWorkloads.length === 0) {
  process.stderr.write(`bench: no chosen subject runs in workload ${onlyWorkload}\n`);
  process.exit(2);
}
const execArgv = cpuProf
  ? [
      '--cpu-prof',
      '--cpu-prof-interval=100',
      `--cpu-prof-dir=${path.join(here, 'results', 'profiles')}`,
    ]
  : [];

// The integrity of what a run wrote: its one file, or every file of its rotated log.
function checkFile(subject, key, file, logged) {
  if (!subject.writesFile) return undefined;
  if (!key.rotation) return checkLog(file, logged);
  const limits = { maxBytes: key.rotation.maxBytes, procs: key.procs };
  return checkRotatedLog(file, subject.rotation, logged, limits);
}

// A syslog row's clock stops when the last record is in the collector's file (its mtime), not
// when the loggers returned: best-effort senders are done once the kernel took the bytes.
// The CPU seconds of the senders (from go to their end) and of rsyslogd, and the load average,
// go with each run (syslog-report.mjs).
async function delivered(collector, file, dones, t0Ms) {
  const { lastWriteMs } = await waitForLines(
    file,
    dones.reduce((n, d) => n + d.records, 0),
  );
  return {
    wallNs: Math.round((lastWriteMs - t0Ms) * 1e6),
    senderCpuS: dones.reduce((n, d) => n + d.cpuUs, 0) / 1e6,
    collectorCpuS: collector.cpuSeconds(),
    load1: os.loadavg()[0],
  };
}

async function runOnce(subject, workload, procs, key) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fanin-bench-'));
  const file = path.join(dir, 'bench.log');
  const collector = subject.collector && (await startCollector(dir, file, subject.collector));
  const job = {
    subject: subject.name,
    workload: workload.name,
    count: key.recordsPerProcess,
    file,
    burst: config.burst,
    rotation: key.rotation,
    ...(collector && { collector: { relpPort: collector.relpPort, tcpPort: collector.tcpPort } }),
  };
  const start = subject.cluster ? startCluster : startWorkers;
  const run = start(job, procs, execArgv);
  const wait = (promise) => withTimeout(promise, run, RUN_TIMEOUT_MS);
  try {
    const readies = await wait(run.readies);
    const t0 = process.hrtime.bigint();
    const t0Ms = performance.timeOrigin + performance.now();
    run.go();
    const dones = await wait(run.dones);
    const { at, primary } = await wait(run.finished);
    const shipped = collector && (await delivered(collector, file, dones, t0Ms));
    const exits = await wait(run.exits);
    const bad = exits.find((e) => e.code !== 0);
    if (bad) throw new Error(`a process exited with ${bad.code ?? bad.signal} after done`);
    const integrity = checkFile(
      subject,
      key,
      file,
      dones.map((d) => d.records),
    );
    // A syslog row counts the records delivered whole (what the collector's file holds).
    const logged = dones.reduce((n, d) => n + d.records, 0);
    return {
      wallNs: Number(at - t0),
      ...shipped,
      workerNs: dones.map((d) => d.elapsedNs),
      records: shipped ? integrity.records : logged,
      bytes: dones.reduce((n, d) => n + d.bytes, 0),
      ...callTimes(dones),
      // A cluster row's primary holds the appender: its memory counts too.
      maxRssKiB: Math.max(...dones.map((d) => d.maxRssKiB), primary?.maxRssKiB ?? 0),
      integrity,
      errors: dones.flatMap((d) => d.errors),
      note: readies[0].note,
      ...(primary && { primary }),
    };
  } finally {
    run.kill();
    await collector?.stop();
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
  const files = row.rotated
    ? `, ${row.rotated.filesMax} files, ${row.rotated.oversize} oversize`
    : '';
  process.stderr.write(
    `${head}: ${rate} rec/s (${spread}), ${ok}${files} [${row.seconds.toFixed(1)} s]\n`,
  );
}

function rowKey(subject, workload, procs) {
  const perProcess = Math.ceil(rowRecords(workload, subject, config.quick) / procs);
  const rotation = rowRotation(workload, subject, config.quick);
  return {
    subject: subject.name,
    framework: subject.framework,
    procs,
    workload: workload.name,
    recordsPerProcess: perProcess,
    ...(rotation && { rotation }),
    ...(subject.cluster && { cluster: true }),
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
// Progress of every run (not only of every finished row), with an estimate of the time left
// from the mean time of the runs so far.
const runs = { done: 0, total: 0, started: Date.now() };
function runProgress(entry, rep, run) {
  runs.done++;
  const spent = (Date.now() - runs.started) / 1000;
  const left = Math.round((spent / runs.done) * (runs.total - runs.done));
  const eta = left >= 60 ? `${Math.floor(left / 60)} min ${left % 60} s` : `${left} s`;
  const { key } = entry;
  const what = run
    ? `${Math.round((run.records / run.wallNs) * 1e9).toLocaleString('en-US')} rec/s`
    : `ERROR ${entry.error}`;
  process.stderr.write(
    `  run ${runs.done}/${runs.total} ${key.workload} ×${key.procs} ${key.subject} rep ${rep + 1}: ${what}; about ${eta} left\n`,
  );
}

async function runGroup(workload, procs) {
  const group = subjectsOf(workload).map((subject) => ({
    subject,
    key: rowKey(subject, workload, procs),
    runs: [],
    seconds: 0,
  }));
  for (let rep = 0; rep < config.reps; rep++) {
    for (const entry of group.filter((e) => !e.error)) {
      const t = Date.now();
      let run;
      try {
        run = await runOnce(entry.subject, workload, procs, entry.key);
        entry.runs.push(run);
      } catch (err) {
        entry.error = err.message.split('\n')[0];
        if (process.env.BENCH_DEBUG) process.stderr.write(`${err.stack}\n`);
        // The repetitions this row will not run.
        runs.total -= config.reps - rep - 1;
      }
      entry.seconds += (Date.now() - t) / 1000;
      runProgress(entry, rep, run);
    }
  }
  return group.map(finishRow);
}

async function main() {
  const rows = [];
  const perProcs = chosenWorkloads.reduce((n, w) => n + subjectsOf(w).length, 0);
  const total = perProcs * config.procs.length;
  runs.total = total * config.reps;
  const started = Date.now();
  const loadBefore = os.loadavg()[0];
  for (const workload of chosenWorkloads) {
    for (const procs of config.procs) {
      process.stderr.write(
        `${workload.name} ×${procs}: ${subjectsOf(workload).length} subjects × ${config.reps} rep(s)…\n`,
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
