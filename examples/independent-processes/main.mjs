// Unrelated processes on one log: INSTANCES copies of app.mjs are spawned (no IPC channel, as
// pm2 or systemd would start them) with the same log file and socket path. The first to bind the
// socket writes the file; the others connect and forward. Instance 0 exits early with
// process.exit(); another instance takes the socket over. When all have exited, the file is
// checked: every record of every instance whole, once, in order.
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkLog, fail, logDir, readFiles, report, tidy } from '../check-log.mjs';

const NAME = 'independent-processes';
const INSTANCES = Number(process.env.INSTANCES ?? 4);
const RECORDS = Number(process.env.RECORDS ?? 2000);
const here = path.dirname(fileURLToPath(import.meta.url));

const dir = logDir(NAME);
const env = { ...process.env, LOG: path.join(dir, 'app.log'), SOCK: path.join(dir, 'log.sock') };
const run = (p) =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(here, 'app.mjs')], {
      env: { ...env, P: String(p), RECORDS: String(RECORDS) },
      stdio: 'inherit',
    });
    child.on('exit', (code, signal) => resolve(signal ?? code));
  });

// Instance 0 first, so that it is the writer the others must replace.
const first = run(0);
await new Promise((resolve) => setTimeout(resolve, 300));
const codes = await Promise.all([
  first,
  ...Array.from({ length: INSTANCES - 1 }, (_, i) => run(i + 1)),
]);
if (codes.some((c) => c !== 0)) fail(NAME, `instances exited with ${codes.join(', ')}`);

const expected = Array.from({ length: INSTANCES }, (_, p) => (p === 0 ? RECORDS / 4 : RECORDS));
const check = checkLog(readFiles(dir, ['app.log']), expected);
const ok = report(NAME, check, `${INSTANCES} unrelated processes, one socket, writer taken over`);
tidy(dir, ok);
