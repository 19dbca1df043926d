// The processes of one run, as run.mjs sees them: N forked workers (bench/worker.mjs), or for a
// `cluster: true` subject one forked primary (bench/cluster-primary.mjs) that cluster.fork()s
// the N workers and relays their messages. Both give the same handle:
//   readies   resolves to the workers' 'ready' messages (index = process p);
//   go()      starts all of them;
//   dones     resolves to their 'done' messages, each with `at` (hrtime when it arrived);
//   finished  resolves to { at, primary? }: when the last record is written (the last worker's
//             done; for a cluster row, the primary's end() after all workers were done);
//   exits     resolves to the exit { code, signal } of every process;
//   kill()    SIGKILLs whatever is still running.
// Every promise rejects with the error a process reports, or when it exits too early.

import { fork } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

function deferred() {
  const d = {};
  d.promise = new Promise((resolve, reject) => Object.assign(d, { resolve, reject }));
  d.promise.catch(() => {}); // observed through Promise.all; never an unhandled rejection
  return d;
}

function forkBench(script, job, execArgv) {
  return fork(path.join(here, script), [JSON.stringify(job)], {
    serialization: 'advanced', // the sampled call times travel as a Float64Array
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

// Marks a promise that may be left unawaited (a run that fails early awaits only the first
// step) as handled; whoever awaits it still sees the rejection.
const handled = (promise) => {
  promise.catch(() => {});
  return promise;
};

// Resolves to a child's { code, signal } once it has exited AND its channel has closed: 'exit'
// can come before the last messages are read (a busy reader), 'disconnect' only after them.
const exitOf = (child) =>
  new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      if (!child.connected) return resolve({ code, signal });
      child.once('disconnect', () => resolve({ code, signal }));
    });
  });

// One slot per worker process: its ready and done, settled from whichever process reports them.
function slots(procs) {
  return Array.from({ length: procs }, () => ({ ready: deferred(), done: deferred() }));
}

// The latest of hrtime bigints (Math.max takes no bigint).
function latest(times) {
  let last = 0n;
  for (const t of times) if (t > last) last = t;
  return last;
}

function failAll(list, err) {
  for (const d of list) d.reject(err);
}

/** Forks `procs` workers for `job` (worker.mjs), each told its index `p`. */
export function startWorkers(job, procs, execArgv) {
  const workers = slots(procs);
  const failures = [];
  const children = workers.map((w, p) => {
    const child = forkBench('worker.mjs', { ...job, p }, execArgv);
    child.on('message', (m) => {
      if (m.type === 'ready') w.ready.resolve(m);
      else if (m.type === 'done') w.done.resolve({ ...m, at: process.hrtime.bigint() });
      else if (m.type === 'error') failures[p] = new Error(m.message);
    });
    return child;
  });
  const exits = children.map(exitOf);
  for (const [p, exited] of exits.entries()) {
    exited.then(({ code, signal }) => {
      const err = failures[p] ?? new Error(`worker exited (${code ?? signal}) before it was done`);
      failAll([workers[p].ready, workers[p].done], err);
    });
  }
  const dones = handled(Promise.all(workers.map((w) => w.done.promise)));
  return {
    readies: handled(Promise.all(workers.map((w) => w.ready.promise))),
    go: () => {
      for (const c of children) c.send('go');
    },
    dones,
    finished: handled(dones.then((ds) => ({ at: latest(ds.map((d) => d.at)) }))),
    exits: Promise.all(exits),
    kill: () => {
      for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    },
  };
}

/**
 * Forks one cluster-primary.mjs for `job`; it sets up the subject's primary side and
 * cluster.fork()s `procs` workers. Messages from it carry the worker index `p`, except
 * 'ended' (the primary's end() resolved) and 'exits' (every worker's exit).
 */
export function startCluster(job, procs, execArgv) {
  const workers = slots(procs);
  const pids = [];
  const ended = deferred();
  const workerExits = deferred();
  const child = forkBench('cluster-primary.mjs', { ...job, procs }, execArgv);
  let failure;
  child.on('message', (m) => {
    const w = workers[m.p];
    if (m.type === 'ready') {
      pids.push(m.pid);
      w.ready.resolve(m);
    } else if (m.type === 'done') w.done.resolve({ ...m, at: process.hrtime.bigint() });
    else if (m.type === 'ended') ended.resolve({ at: process.hrtime.bigint(), primary: m });
    else if (m.type === 'exits') workerExits.resolve(m.exits);
    else if (m.type === 'error') failure ??= new Error(m.message);
  });
  const primaryExit = exitOf(child);
  primaryExit.then(({ code, signal }) => {
    const err = failure ?? new Error(`cluster primary exited (${code ?? signal}) too early`);
    failAll([...workers.flatMap((w) => [w.ready, w.done]), ended, workerExits], err);
  });
  return {
    readies: handled(Promise.all(workers.map((w) => w.ready.promise))),
    go: () => child.send('go'),
    dones: handled(Promise.all(workers.map((w) => w.done.promise))),
    finished: ended.promise,
    exits: handled(
      Promise.all([workerExits.promise, primaryExit]).then(([ws, own]) => [...ws, own]),
    ),
    kill: () => {
      if (child.exitCode === null) child.kill('SIGKILL');
      // Cluster workers exit by themselves when their primary's channel closes; a worker stuck
      // in a loop would not notice, so each is killed too (ESRCH if it is gone already).
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch (err) {
          if (err.code !== 'ESRCH') throw err;
        }
      }
    },
  };
}

/** Resolves like `promise`, or kills the run's processes and rejects after `ms`. */
export function withTimeout(promise, run, ms) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => {
      run.kill();
      reject(new Error(`run timed out after ${ms} ms`));
    }, ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
