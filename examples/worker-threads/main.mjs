// Worker threads: the main thread and THREADS worker threads each log RECORDS records (100 B,
// 8 KB and 200 KB) through their own winston logger and AsyncQueueTransport into the same file.
// Each transport copies records into its own SharedArrayBuffer ring and returns; its own writer
// thread appends them. The main thread waits until every logger has finished and every worker
// thread has exited, then checks the file.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isMainThread, Worker, workerData } from 'node:worker_threads';
import { AsyncQueueTransport } from '@fanin/async-queue';
import winston from 'winston';
import { checkLog, fail, logDir, makeRecord, report, tidy } from '../check-log.mjs';

const NAME = 'worker-threads';
const THREADS = Number(process.env.THREADS ?? 2);
const RECORDS = Number(process.env.RECORDS ?? 2000);

/**
 * Logs RECORDS records as thread `p`; resolves, once all are written, to the transport's stats
 * and the milliseconds the thread spent inside `logger.info()`.
 */
function logAll(p, filename) {
  const transport = new AsyncQueueTransport({ filename });
  const logger = winston.createLogger({ format: winston.format.json(), transports: [transport] });
  let s = 0;
  let inLog = 0n;
  return new Promise((resolve) => {
    // 50 records an event-loop turn, so the threads' writes overlap.
    const slice = () => {
      for (const end = Math.min(s + 50, RECORDS); s < end; s++) {
        const record = makeRecord(p, s);
        const t0 = process.hrtime.bigint();
        logger.info('record', record);
        inLog += process.hrtime.bigint() - t0;
      }
      if (s < RECORDS) setImmediate(slice);
      // winston's 'finish' comes once the ring is drained and its records are in the file.
      else {
        const ms = Number(inLog) / 1e6;
        logger.on('finish', () => resolve({ stats: transport.writer.stats(), ms })).end();
      }
    };
    slice();
  });
}

async function main() {
  const dir = logDir(NAME);
  const file = path.join(dir, 'app.log');
  const exits = Array.from({ length: THREADS }, (_, i) => {
    const w = new Worker(new URL(import.meta.url), { workerData: { p: i + 1, file } });
    return new Promise((resolve, reject) => w.on('error', reject).on('exit', resolve));
  });
  const { stats, ms } = await logAll(0, file); // the main thread is process 0, the workers 1 … THREADS
  const codes = await Promise.all(exits).catch((err) =>
    fail(NAME, `a worker thread failed: ${err}`),
  );
  if (codes.some((c) => c !== 0)) fail(NAME, `worker threads exited with ${codes.join(', ')}`);

  const check = checkLog(fs.readFileSync(file, 'utf8'), Array(THREADS + 1).fill(RECORDS));
  const ok = report(
    NAME,
    check,
    `main thread + ${THREADS} worker threads; the main thread spent ${ms.toFixed(0)} ms in ${RECORDS} logger.info() calls ` +
      `(${stats.queue.fallbackWrites} written by itself, ${stats.dropped.total} dropped)`,
  );
  tidy(dir, ok);
}

if (isMainThread) await main();
else await logAll(workerData.p, workerData.file);
