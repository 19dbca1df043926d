// External rotation: PROCS forked processes log continuously (one record a millisecond each)
// through fanin's framework-free createAppendFileWriter, while the parent runs the real
// logrotate twice, forced, in "create" mode (rename app.log to app.log.1, create a new app.log).
// Each writer notices the rename within reopenCheckMs (100 ms) and reopens app.log. Then the
// parent stops the writers and checks app.log.2, app.log.1 and app.log together.
import { fork, spawn } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createAppendFileWriter } from '@fanin/append-file';
import { checkLog, fail, logDir, makeRecord, readFiles, report, tidy } from '../check-log.mjs';

const NAME = 'logrotate';
const PROCS = 2;
const ROTATIONS = 2;
const RUN_MS = 2000;
const LOGROTATE = ['/usr/sbin/logrotate', '/usr/bin/logrotate'].find((p) => fs.existsSync(p));

function child(file, p) {
  const writer = createAppendFileWriter({ filename: file });
  let s = 0;
  const timer = setInterval(() => writer.write(`${JSON.stringify(makeRecord(p, s++))}\n`), 1);
  process.on('message', async (m) => {
    if (m !== 'stop') return;
    clearInterval(timer);
    await writer.close(); // resolves once every record is in the file
    process.send({ records: s }, () => process.disconnect());
  });
  process.send('ready');
}

/** Runs logrotate once, forced, with its own state file; fails the example if it complains. */
async function logrotate(dir, file) {
  const conf = path.join(dir, 'logrotate.conf');
  fs.writeFileSync(conf, `${file} {\n  rotate 10\n  create\n  missingok\n  nocompress\n}\n`);
  const run = spawn(LOGROTATE, ['-f', '-s', path.join(dir, 'logrotate.state'), conf], {
    stdio: ['ignore', 'inherit', 'pipe'],
  });
  let stderr = '';
  run.stderr.setEncoding('utf8').on('data', (t) => {
    stderr += t;
  });
  const [code] = await once(run, 'close');
  if (code !== 0 || stderr) fail(NAME, `logrotate exited with ${code}: ${stderr.trim()}`);
}

/** The child's next message; fails the example if the child ends first. */
function nextMessage(c) {
  return new Promise((resolve) => {
    // 'close' comes after the IPC channel is closed, so a message sent before it is not missed.
    const onClose = (code, signal) => fail(NAME, `child ${c.pid} ended (${signal ?? code})`);
    c.once('close', onClose).once('message', (m) => {
      c.off('close', onClose);
      resolve(m);
    });
  });
}

/** The process indices with a whole record in `file`. */
function writersIn(file) {
  const wrote = new Set();
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    try {
      wrote.add(JSON.parse(line).p);
    } catch {
      // The empty string after the last newline, or a record still being written.
    }
  }
  return wrote;
}

/** Resolves once every process has a record in `file`: each one has reopened it. */
async function untilAllWrote(file) {
  for (const deadline = Date.now() + 5000; Date.now() < deadline; await delay(20)) {
    if (writersIn(file).size === PROCS) return;
  }
  fail(NAME, `not every process wrote to ${file} within 5 s of the rotation`);
}

async function parent() {
  if (!LOGROTATE) {
    console.log(
      `${NAME}: skipped: logrotate is not installed (scripts/system-deps.sh installs it)`,
    );
    return;
  }
  const dir = logDir(NAME);
  // logrotate wants the log's directory not writable by others, and its config and state apart.
  const logs = path.join(dir, 'logs');
  fs.mkdirSync(logs, { mode: 0o755 });
  const file = path.join(logs, 'app.log');
  const self = fileURLToPath(import.meta.url);
  const children = Array.from({ length: PROCS }, (_, p) => fork(self, ['child', file, String(p)]));
  const exits = children.map((c) => once(c, 'exit').then(([code, signal]) => signal ?? code));
  await Promise.all(children.map(nextMessage)); // 'ready': logging has begun
  const started = Date.now();

  for (let r = 0; r < ROTATIONS; r++) {
    await delay(RUN_MS / (ROTATIONS + 1));
    await logrotate(dir, file);
    await untilAllWrote(file);
  }
  await delay(Math.max(0, started + RUN_MS - Date.now()));
  const reports = await Promise.all(
    children.map((c) => {
      c.send('stop');
      return nextMessage(c);
    }),
  );
  const codes = await Promise.all(exits);
  if (codes.some((c) => c !== 0)) fail(NAME, `children exited with ${codes.join(', ')}`);

  const names = ['app.log.2', 'app.log.1', 'app.log'];
  const expected = reports.map((m) => m.records);
  const check = checkLog(readFiles(logs, names), expected);
  const perFile = names.map((n) => {
    const lines = fs.readFileSync(path.join(logs, n), 'utf8').split('\n').filter(Boolean);
    return `${n} ${lines.length}`;
  });
  // Every file holds records of every process: each writer followed each rotation.
  const missed = names.filter((n) => writersIn(path.join(logs, n)).size !== PROCS);
  const problems = missed.map((n) => `${n} lacks records of some process`);
  const ok = report(
    NAME,
    check,
    `${PROCS} processes over ${Date.now() - started} ms, ${ROTATIONS} logrotate runs; records per file: ${perFile.join(', ')}`,
    problems,
  );
  tidy(dir, ok);
}

if (process.argv[2] === 'child') child(process.argv[3], Number(process.argv[4]));
else await parent();
