// The collector of a syslog row: a real rsyslogd started for one run (imrelp on one free port,
// imtcp on another, main_queue Direct, omfile writing the row's log file), the wait until the
// records it was sent are in that file, and its CPU time. The rsyslog side of
// test/helpers/rsyslog.ts, in the bench's terms (no vitest).

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { procStat } from '@fanin/core/internal';

const RSYSLOGD = ['/usr/sbin/rsyslogd', '/sbin/rsyslogd'].find((p) => fs.existsSync(p));
const MODULE_DIRS = [
  '/usr/lib/x86_64-linux-gnu/rsyslog',
  '/usr/lib/aarch64-linux-gnu/rsyslog',
  '/usr/lib/rsyslog',
];

/** Why a syslog row cannot run here (rsyslogd or its imrelp module missing), or undefined. */
export function collectorMissing() {
  if (RSYSLOGD === undefined) return 'rsyslogd is not installed (scripts/system-deps.sh)';
  if (!MODULE_DIRS.some((d) => fs.existsSync(path.join(d, 'imrelp.so')))) {
    return "rsyslog's imrelp module is not installed (rsyslog-relp; scripts/system-deps.sh)";
  }
  return undefined;
}

async function freePort() {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

// main_queue Direct: omfile has written a message before imrelp acknowledges it (rsyslog doc,
// "Direct Queues"), so a RELP acknowledgement means "in the file". imtcp takes LF-framed and
// RFC 6587 octet-counted messages alike. `%msg%` is the record as the logger made it; a sender
// with no syslog header at all (pino-socket's raw lines) is read back with `%rawmsg%`.
function config(dir, { relpPort, tcpPort }, output, property) {
  return `global(workDirectory="${dir}" maxMessageSize="64k")
main_queue(queue.type="Direct")
module(load="imrelp")
module(load="imtcp")
input(type="imrelp" address="127.0.0.1" port="${relpPort}" maxDataSize="80k")
input(type="imtcp" address="127.0.0.1" port="${tcpPort}")
template(name="record" type="string" string="%${property}%\\n")
action(type="omfile" file="${output}" template="record")
`;
}

// Connects until the port answers (rsyslogd binds its inputs after reading its config).
/** Resolves once something listens on 127.0.0.1:`port`; throws if `child` exits first (with `logFile`). */
export async function waitForPort(port, child, logFile, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(
        `rsyslogd exited with ${child.exitCode}: ${fs.readFileSync(logFile, 'utf8')}`,
      );
    }
    const ok = await new Promise((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`rsyslogd did not listen on ${port} within ${timeoutMs} ms`);
}

// utime + stime of a process, in seconds (proc(5): fields 14 and 15, in clock ticks; 100 a
// second on Linux, what sysconf(_SC_CLK_TCK) returns everywhere it runs).
function cpuSeconds(pid) {
  const fields = procStat(pid);
  return fields && (Number(fields[14 - 3]) + Number(fields[15 - 3])) / 100;
}

/**
 * Starts rsyslogd for one run in `dir`, writing `output`; `property` is the rsyslog property
 * each line holds ('msg' or 'rawmsg'). Resolves to { relpPort, tcpPort, cpuSeconds(), stop() }
 * once both ports answer.
 */
export async function startCollector(dir, output, property = 'msg') {
  const ports = { relpPort: await freePort(), tcpPort: await freePort() };
  const conf = path.join(dir, 'rsyslog.conf');
  fs.writeFileSync(conf, config(dir, ports, output, property));
  const logFile = path.join(dir, 'rsyslogd.out');
  const out = fs.openSync(logFile, 'a');
  const args = ['-n', '-f', conf, '-i', path.join(dir, 'rsyslogd.pid')];
  const child = spawn(RSYSLOGD, args, { stdio: ['ignore', out, out] });
  fs.closeSync(out);
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const ended = once(child, 'exit');
    child.kill('SIGTERM');
    await ended;
  };
  try {
    await waitForPort(ports.relpPort, child, logFile);
    await waitForPort(ports.tcpPort, child, logFile);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return { ...ports, pid: child.pid, cpuSeconds: () => cpuSeconds(child.pid), stop };
}

/**
 * Waits until `file` holds `expected` lines, or has not grown for `quietMs`. Resolves to
 * { lines, lastWriteMs }: `lastWriteMs` is the file's mtime (wall clock, ms) — when the last
 * record arrived, to the resolution of the kernel's file timestamps (a clock tick), without
 * polling faster than `pollMs` beside the processes measured.
 */
export async function waitForLines(file, expected, { quietMs = 3000, pollMs = 10 } = {}) {
  let lines = 0;
  let offset = 0;
  let lastGrowth = Date.now();
  const chunk = Buffer.allocUnsafe(1 << 20);
  for (;;) {
    const size = fs.existsSync(file) ? fs.statSync(file).size : 0;
    if (size > offset) {
      lastGrowth = Date.now();
      const fd = fs.openSync(file, 'r');
      try {
        while (offset < size) {
          const n = fs.readSync(fd, chunk, 0, Math.min(chunk.length, size - offset), offset);
          if (n === 0) break;
          const read = chunk.subarray(0, n);
          for (let i = read.indexOf(10); i !== -1; i = read.indexOf(10, i + 1)) lines++;
          offset += n;
        }
      } finally {
        fs.closeSync(fd);
      }
    }
    if (lines >= expected || Date.now() - lastGrowth >= quietMs) break;
    await new Promise((r) => setTimeout(r, pollMs));
  }
  const lastWriteMs = fs.existsSync(file)
    ? Number(fs.statSync(file, { bigint: true }).mtimeNs) / 1e6
    : Number.NaN;
  return { lines, lastWriteMs };
}
