// Shipping to a central rsyslog over RELP: PROCS forked processes log RECORDS records each through
// winston + SyslogTransport to a real rsyslogd (this folder's rsyslog.conf, moved to a temporary
// directory and a free port). A third of the way in, the parent SIGKILLs rsyslogd and starts it
// again 0.5 s later. Then it reads the collector's file, removes the copies at-least-once delivery
// made (same writer id w and sequence number s), and checks every record arrived whole, once, in
// order per process.
import { fork, spawn } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { SyslogTransport } from '@fanin/syslog';
import winston from 'winston';
import { checkLog, fail, logDir, makeRecord, report, tidy } from '../check-log.mjs';

const NAME = 'rsyslog';
const PROCS = Number(process.env.PROCS ?? 4);
const RECORDS = Number(process.env.RECORDS ?? 5000);
const RSYSLOGD = ['/usr/sbin/rsyslogd', '/sbin/rsyslogd'].find((p) => fs.existsSync(p));
const HERE = path.dirname(fileURLToPath(import.meta.url));

// 100 B records, every 50th 8 KB (rsyslogd takes up to maxMessageSize, 64k in rsyslog.conf).
const recordOf = (p, s) => makeRecord(p, s, s % 50 === 49 ? 8192 : 100);

async function child(target, spoolDir, p) {
  const transport = new SyslogTransport({ target, spoolDir, appName: 'example' });
  const logger = winston.createLogger({
    format: winston.format.printf((info) => info.message),
    transports: [transport],
  });
  for (let s = 0; s < RECORDS; s++) {
    logger.info(JSON.stringify(recordOf(p, s)));
    if (s % 50 === 49) await new Promise((r) => setImmediate(r)); // a live app, not one burst
  }
  logger.on('finish', () => {
    // 'finish' comes once the collector acknowledged every record (or close's deadline passed).
    process.send(transport.writer.stats().syslog, () => process.disconnect());
  });
  logger.end();
}

async function freePort() {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  return port;
}

/** rsyslog.conf with its paths and port moved into `dir`. */
function collectorConfig(dir, port) {
  fs.mkdirSync(path.join(dir, 'work'));
  return fs
    .readFileSync(path.join(HERE, 'rsyslog.conf'), 'utf8')
    .replace('/var/spool/rsyslog', path.join(dir, 'work'))
    .replace('/var/log/remote/app.log', path.join(dir, 'app.log'))
    .replace('port="2514"', `port="${port}"`);
}

async function startCollector(dir, port) {
  const args = ['-n', '-f', path.join(dir, 'rsyslog.conf'), '-i', path.join(dir, 'rsyslogd.pid')];
  const rs = spawn(RSYSLOGD, args, { stdio: 'inherit' });
  for (;;) {
    if (rs.exitCode !== null) fail(NAME, `rsyslogd exited with ${rs.exitCode}`);
    const up = await new Promise((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => resolve(!!s.destroy()));
      s.on('error', () => resolve(false));
    });
    if (up) return rs;
    await delay(20);
  }
}

/** The collected lines with the copies removed: the first line of each (w, s). */
function deduplicate(text) {
  const seen = new Set();
  const kept = [];
  for (const line of text.split('\n')) {
    const m = /^\[fanin@32473 w="([^"]+)" s="(\d+)"\] (.*)$/.exec(line);
    if (!m || seen.has(`${m[1]} ${m[2]}`)) continue;
    seen.add(`${m[1]} ${m[2]}`);
    kept.push(m[3]);
  }
  return {
    text: `${kept.join('\n')}\n`,
    copies: text.split('\n').filter(Boolean).length - kept.length,
  };
}

async function main() {
  if (!RSYSLOGD) fail(NAME, 'rsyslogd not found (bash scripts/system-deps.sh installs it)');
  const dir = logDir(NAME);
  const port = await freePort();
  fs.writeFileSync(path.join(dir, 'rsyslog.conf'), collectorConfig(dir, port));
  let rs = await startCollector(dir, port);
  const target = `relp://127.0.0.1:${port}`;
  const kids = Array.from({ length: PROCS }, (_, p) =>
    fork(fileURLToPath(import.meta.url), ['child', target, path.join(dir, 'spool'), String(p)]),
  );
  const stats = kids.map((c) => once(c, 'message').then(([m]) => m));
  const out = path.join(dir, 'app.log');
  // A third of the records in, the collector dies without warning and comes back 0.5 s later.
  while (
    !fs.existsSync(out) ||
    fs.readFileSync(out, 'utf8').split('\n').length < (PROCS * RECORDS) / 3
  ) {
    await delay(10);
  }
  rs.kill('SIGKILL');
  await once(rs, 'exit');
  await delay(500);
  rs = await startCollector(dir, port);
  const all = await Promise.all(stats);
  rs.kill('SIGTERM');
  await once(rs, 'exit');
  const { text, copies } = deduplicate(fs.readFileSync(out, 'utf8'));
  const check = checkLog(text, Array(PROCS).fill(RECORDS));
  const resent = all.reduce((n, s) => n + s.resent, 0);
  const reconnects = all.reduce((n, s) => n + s.reconnects, 0);
  const details = `${PROCS} processes, collector SIGKILLed and restarted; ${copies} copies removed (${resent} frames resent, ${reconnects} reconnects)`;
  tidy(dir, report(NAME, check, details));
}

if (process.argv[2] === 'child')
  await child(process.argv[3], process.argv[4], Number(process.argv[5]));
else await main();
