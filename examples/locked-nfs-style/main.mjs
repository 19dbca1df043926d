// A log on a network file system: PROCS forked processes log RECORDS records each (100 B, 8 KB
// and 200 KB) through log4js and fanin's locked-file appender into one file that rotates at
// 256 KB, log4js-style (app.log is live; app.log.1 the newest backup, app.log.2 older, …). Each
// batch of records is written under a proper-lockfile lock (app.log.lock, a directory made with
// mkdir, atomic on NFS too), because O_APPEND alone is not atomic across NFS clients. The parent
// waits for every child to exit, then checks all the files together.
import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import log4js from 'log4js';
import { checkLog, fail, logDir, makeRecord, readFiles, report, tidy } from '../check-log.mjs';

const NAME = 'locked-nfs-style';
const PROCS = Number(process.env.PROCS ?? 4);
const RECORDS = Number(process.env.RECORDS ?? 2000);
const BACKUPS = 100;

function child(file, p) {
  log4js.configure({
    appenders: {
      app: {
        type: '@fanin/locked-file',
        filename: file,
        maxLogSize: '256K',
        backups: BACKUPS,
        // The message as it is: each record is already a JSON line.
        layout: { type: 'messagePassThrough' },
      },
    },
    categories: { default: { appenders: ['app'], level: 'info' } },
    // Without it, log4js in a cluster worker would send every event to the primary to write.
    disableClustering: true,
  });
  const logger = log4js.getLogger();
  let s = 0;
  // 50 records an event-loop turn, as a busy server would log them, so the processes overlap.
  const slice = () => {
    for (const end = Math.min(s + 50, RECORDS); s < end; s++) {
      logger.info(JSON.stringify(makeRecord(p, s)));
    }
    if (s < RECORDS) setImmediate(slice);
    // shutdown's callback comes once every record is written.
    else log4js.shutdown((err) => process.exit(err ? 1 : 0));
  };
  slice();
}

/** The log's files, oldest first: app.log.N … app.log.1, app.log. */
function logFiles(dir) {
  const numbered = [];
  const strays = [];
  for (const name of fs.readdirSync(dir)) {
    const m = /^app\.log(?:\.(\d+))?$/.exec(name);
    if (m) numbered.push({ name, n: Number(m[1] ?? 0) });
    else strays.push(name);
  }
  const age = (f) => (f.n === 0 ? Number.MAX_SAFE_INTEGER : -f.n);
  return { names: numbered.sort((a, b) => age(a) - age(b)).map((f) => f.name), strays };
}

async function parent() {
  const dir = logDir(NAME);
  const file = path.join(dir, 'app.log');
  const self = fileURLToPath(import.meta.url);
  const codes = await Promise.all(
    Array.from(
      { length: PROCS },
      (_, p) =>
        new Promise((resolve) =>
          fork(self, ['child', file, String(p)]).on('exit', (code, signal) =>
            resolve(signal ?? code),
          ),
        ),
    ),
  );
  if (codes.some((c) => c !== 0)) fail(NAME, `children exited with ${codes.join(', ')}`);

  const { names, strays } = logFiles(dir);
  const check = checkLog(readFiles(dir, names), Array(PROCS).fill(RECORDS));
  const problems = strays.map((n) => `stray file ${n}`); // a lock left behind, say
  if (names.length > BACKUPS) problems.push(`${names.length} files: backups were deleted`);
  const ok = report(
    NAME,
    check,
    `${PROCS} processes, ${names.length} files (${names[0]} … ${names.at(-1)})`,
    problems,
  );
  tidy(dir, ok);
}

if (process.argv[2] === 'child') child(process.argv[3], Number(process.argv[4]));
else await parent();
