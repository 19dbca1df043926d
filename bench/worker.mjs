// One benchmark process: forked by run.mjs, or by cluster-primary.mjs for a cluster row, with a
// JSON job in argv[2]. It builds its subject and its record plan, reports 'ready', waits for
// 'go', logs, ends the logger, and reports 'done' with its own elapsed time, sampled per-call
// times and peak RSS. 'done' goes out on the same channel after everything the subject sent on
// it (log4js cluster mode's events), and the process leaves only once it is written.

import cluster from 'node:cluster';
import { subjects } from './subjects.mjs';
import { pads, sizePattern, workloads } from './workloads.mjs';

/** One call in SAMPLE_EVERY is timed: process.hrtime.bigint() costs ~50 ns a call. */
export const SAMPLE_EVERY = 16;

const job = JSON.parse(process.argv[2]);
const subject = subjects.find((s) => s.name === job.subject);
const workload = workloads.find((w) => w.name === job.workload);
const send = (message) => new Promise((resolve) => process.send(message, resolve));
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

async function logAll(logger, count, pattern, padOf) {
  const samples = new Float64Array(Math.ceil(count / SAMPLE_EVERY));
  const hr = process.hrtime.bigint;
  let k = 0;
  for (let s = 0; s < count; s++) {
    const pad = padOf[pattern[s]];
    if (s % SAMPLE_EVERY === 0) {
      const t0 = hr();
      logger.log(s, pad);
      samples[k++] = Number(hr() - t0);
    } else {
      logger.log(s, pad);
    }
    // An application logs a few lines per event-loop turn, then awaits I/O: yielding lets
    // asynchronous writers (and winston's streams) work, as they would in a real process.
    if ((s + 1) % job.burst === 0) await nextTurn();
  }
  return samples;
}

async function main() {
  const { file, p, rotation, collector } = job;
  const logger = await subject.create({ file, p, rotation, collector });
  await logger.ready?.();
  const pattern = sizePattern(workload, job.p, job.count);
  const padOf = pads(workload);
  let bytes = 0;
  for (const c of pattern) bytes += workload.classes[c].bytes;
  await new Promise((resolve) => {
    process.once('message', resolve);
    process.send({ type: 'ready', note: logger.note });
  });
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  const samples = await logAll(logger, job.count, pattern, padOf);
  await logger.end();
  const elapsedNs = Number(process.hrtime.bigint() - t0);
  const cpu = process.cpuUsage(cpu0);
  const maxRssKiB = process.resourceUsage().maxRSS;
  const errors = logger.errors?.() ?? [];
  // A cluster worker's channel keeps cluster's default JSON serialization, as an application's
  // does (log4js's events travel on it): a Float64Array would arrive as an object.
  const sampled = cluster.isWorker ? Array.from(samples) : samples;
  await send({
    type: 'done',
    elapsedNs,
    cpuUs: cpu.user + cpu.system,
    samples: sampled,
    maxRssKiB,
    records: job.count,
    bytes,
    errors,
  });
  await logger.dispose?.();
  process.disconnect();
}

main().catch(async (err) => {
  process.exitCode = 1;
  await send({ type: 'error', message: String(err?.stack ?? err) });
  process.disconnect();
});
