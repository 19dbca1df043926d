// node:cluster: the primary forks WORKERS workers; each logs RECORDS records (100 B, 8 KB and
// 200 KB) through winston and fanin's AppendFileTransport into one file that rotates at 256 KB,
// winston-style (app.log, app1.log, app2.log, … the highest number is the live file). The primary
// waits for every worker to exit, then checks all the files together.
import cluster from 'node:cluster';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AppendFileTransport } from '@fanin/append-file';
import winston from 'winston';
import {
  checkLog,
  fail,
  logDir,
  makeRecord,
  readFiles,
  report,
  SIZES,
  tidy,
} from '../check-log.mjs';

const NAME = 'winston-cluster';
const WORKERS = Number(process.env.WORKERS ?? 4);
const RECORDS = Number(process.env.RECORDS ?? 2000);
const MAXSIZE = 256 * 1024;

function worker() {
  const p = Number(process.env.FANIN_EXAMPLE_P);
  const logger = winston.createLogger({
    format: winston.format.json(),
    // No maxFiles: every rotated file is kept, so the check can find every record.
    transports: [
      new AppendFileTransport({ filename: process.env.FANIN_EXAMPLE_LOG, maxsize: MAXSIZE }),
    ],
  });
  let s = 0;
  // 50 records an event-loop turn, as a busy server would log them, so the workers overlap.
  const slice = () => {
    for (const end = Math.min(s + 50, RECORDS); s < end; s++)
      logger.info('record', makeRecord(p, s));
    if (s < RECORDS) setImmediate(slice);
    // 'finish' comes once the transport has written every record.
    else logger.on('finish', () => process.exit(0)).end();
  };
  slice();
}

/** The log's files, oldest first: app.log, app1.log, app2.log, … */
function logFiles(dir) {
  const numbered = [];
  const strays = [];
  for (const name of fs.readdirSync(dir)) {
    const m = /^app(\d*)\.log$/.exec(name);
    if (m) numbered.push({ name, n: Number(m[1] || 0) });
    else strays.push(name);
  }
  return { names: numbered.sort((a, b) => a.n - b.n).map((f) => f.name), strays };
}

async function primary() {
  const dir = logDir(NAME);
  const file = path.join(dir, 'app.log');
  const exits = Array.from({ length: WORKERS }, (_, p) => {
    const w = cluster.fork({ FANIN_EXAMPLE_P: String(p), FANIN_EXAMPLE_LOG: file });
    return new Promise((resolve) => w.on('exit', (code, signal) => resolve(signal ?? code)));
  });
  const codes = await Promise.all(exits);
  if (codes.some((c) => c !== 0)) fail(NAME, `workers exited with ${codes.join(', ')}`);

  const { names, strays } = logFiles(dir);
  const check = checkLog(readFiles(dir, names), Array(WORKERS).fill(RECORDS));
  // How far a file can pass maxsize: each other worker may append one batch that it did not
  // check against this file's size (it checked at the same moment, or it had found its old file
  // full, saw that another worker had rotated it and reopened this one), and a record larger
  // than a batch (16 KiB here, maxsize / 16) is a batch of its own. So with 200 KB records:
  // maxsize + (workers - 1) x 200 KB. packages/core/README.md ("Bound") counts that overshoot
  // in batches, which runs here exceed (files of 600+ KiB against its 504 KiB).
  const batch = Math.min(65536, Math.max(4096, MAXSIZE / 16));
  const bound = Math.max(MAXSIZE, SIZES.large) + (WORKERS - 1) * Math.max(batch, SIZES.large);
  const sizes = names.map((n) => fs.statSync(path.join(dir, n)).size);
  const largest = Math.max(...sizes);
  const problems = [
    ...names.filter((_, i) => sizes[i] > bound).map((n) => `${n} is over the bound`),
    ...strays.map((n) => `stray file ${n}`),
  ];
  const ok = report(
    NAME,
    check,
    `${WORKERS} workers, ${names.length} files (${names[0]} … ${names.at(-1)}), largest ${(largest / 1024).toFixed(0)} KiB (bound ${bound / 1024} KiB)`,
    problems,
  );
  tidy(dir, ok);
}

if (cluster.isPrimary) await primary();
else worker();
