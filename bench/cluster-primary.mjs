// The primary process of a `cluster: true` row: forked by run.mjs (processes.mjs) with a JSON job
// in argv[2]. It sets up the subject's primary side (createPrimary), cluster.fork()s the workers
// (worker.mjs, each told its index p), relays their ready / done / error messages to run.mjs and
// run.mjs's 'go' to them, calls the primary side's end() once every worker is done and reports
// 'ended' (where the row's clock stops), then reports the workers' exits and leaves.

import cluster from 'node:cluster';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { subjects } from './subjects.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const job = JSON.parse(process.argv[2]);
const subject = subjects.find((s) => s.name === job.subject);
const toRunner = (message) => new Promise((resolve) => process.send(message, resolve));

// Leaves with code 1 after telling run.mjs why; the workers exit when the channel closes.
async function fail(message) {
  process.exitCode = 1;
  await toRunner({ type: 'error', message });
  for (const w of Object.values(cluster.workers ?? {})) w.process.kill('SIGKILL');
  process.disconnect();
}

// Forks the workers; resolves once all of them are done, rejects when one exits before.
function forkWorkers(exits) {
  return new Promise((resolve, reject) => {
    let done = 0;
    for (let p = 0; p < job.procs; p++) {
      // setupPrimary applies to the forks that follow it: each worker gets its own job.
      cluster.setupPrimary({
        exec: path.join(here, 'worker.mjs'),
        args: [JSON.stringify({ ...job, p })],
        execArgv: process.execArgv,
      });
      const worker = cluster.fork();
      let isDone = false;
      // The subject's own messages (log4js: { topic: 'log4js:message' }) carry no `type`.
      worker.on('message', (m) => {
        if (m?.type === 'ready') toRunner({ ...m, p, pid: worker.process.pid });
        else if (m?.type === 'error') toRunner({ ...m, p });
        else if (m?.type === 'done') {
          isDone = true;
          toRunner({ ...m, p });
          if (++done === job.procs) resolve();
        }
      });
      // 'exit' may come while the primary is still reading the worker's last events (and its
      // done); 'disconnect' comes after them. Both are needed before judging.
      const exited = new Promise((settle) => {
        worker.once('exit', (code, signal) => settle({ code, signal }));
      });
      const disconnected = new Promise((settle) => worker.once('disconnect', settle));
      exits[p] = Promise.all([exited, disconnected]).then(([exit]) => {
        if (!isDone)
          reject(new Error(`worker ${p} exited (${exit.code ?? exit.signal}) before done`));
        return exit;
      });
    }
  });
}

async function main() {
  const primary = await subject.createPrimary({
    file: job.file,
    workers: job.procs,
    rotation: job.rotation,
  });
  const exits = [];
  const allDone = forkWorkers(exits);
  allDone.catch(() => {}); // awaited below; a worker that fails before 'go' is reported there
  process.once('message', (m) => {
    if (m !== 'go') return;
    // A worker that has already left is reported by its exit; the send must not throw.
    for (const w of Object.values(cluster.workers)) {
      if (w.isConnected()) w.send('go', undefined, undefined, () => {});
    }
  });
  await allDone;
  const t0 = process.hrtime.bigint();
  const result = await primary.end();
  const endMs = Number(process.hrtime.bigint() - t0) / 1e6;
  await toRunner({ type: 'ended', endMs, maxRssKiB: process.resourceUsage().maxRSS, ...result });
  await toRunner({ type: 'exits', exits: await Promise.all(exits) });
  process.disconnect();
}

main().catch((err) => fail(String(err?.stack ?? err)));
