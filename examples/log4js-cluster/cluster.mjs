// node:cluster with log4js: the primary forks WORKERS workers; each logs RECORDS records (100 B,
// 8 KB and 200 KB) through log4js and the @fanin/ipc appender, then calls process.exit() at
// once — the case log4js's own cluster mode loses most records in. Workers forward their
// records to the primary (over the private Unix socket it offers on the cluster channel); the
// primary alone writes (and would rotate) the file. The primary waits for every worker, shuts log4js down, and checks the file.
import cluster from 'node:cluster';
import * as path from 'node:path';
import log4js from 'log4js';
import { checkLog, fail, logDir, makeRecord, readFiles, report, tidy } from '../check-log.mjs';

const NAME = 'log4js-cluster';
const WORKERS = Number(process.env.WORKERS ?? 4);
const RECORDS = Number(process.env.RECORDS ?? 2000);

// The same configuration in every process. disableClustering: log4js would otherwise send
// workers' events to the primary itself and never call the appender in a worker.
function configure(filename) {
  log4js.configure({
    appenders: {
      app: {
        type: '@fanin/ipc',
        filename,
        via: 'cluster',
        layout: { type: 'pattern', pattern: '%m' },
      },
    },
    categories: { default: { appenders: ['app'], level: 'info' } },
    disableClustering: true,
  });
  return log4js.getLogger();
}

function worker() {
  const p = Number(process.env.FANIN_EXAMPLE_P);
  const logger = configure(process.env.FANIN_EXAMPLE_LOG);
  let s = 0;
  // 50 records an event-loop turn, as a busy server would log them, so the workers overlap.
  const slice = () => {
    for (const end = Math.min(s + 50, RECORDS); s < end; s++) {
      logger.info(JSON.stringify(makeRecord(p, s)));
    }
    // No shutdown, no waiting: what is still unsent or unacknowledged is settled by the exit
    // hook (it waits for the primary's acknowledgements, then writes the rest itself).
    if (s < RECORDS) setImmediate(slice);
    else process.exit(0);
  };
  slice();
}

async function primary() {
  const dir = logDir(NAME);
  const file = path.join(dir, 'app.log');
  configure(file);
  const exits = Array.from({ length: WORKERS }, (_, p) => {
    const w = cluster.fork({ FANIN_EXAMPLE_P: String(p), FANIN_EXAMPLE_LOG: file });
    return new Promise((resolve) => w.on('exit', (code, signal) => resolve(signal ?? code)));
  });
  const codes = await Promise.all(exits);
  if (codes.some((c) => c !== 0)) fail(NAME, `workers exited with ${codes.join(', ')}`);
  await new Promise((resolve) => log4js.shutdown(resolve));
  const check = checkLog(readFiles(dir, ['app.log']), Array(WORKERS).fill(RECORDS));
  const ok = report(NAME, check, `${WORKERS} workers exited right after logging`);
  tidy(dir, ok);
}

if (cluster.isPrimary) await primary();
else worker();
