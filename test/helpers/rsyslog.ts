import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { onTestFinished } from 'vitest';
// One wait for the collector's port, shared with the bench's collector.
import { waitForPort } from '../../bench/collector.mjs';

/** A real rsyslogd listening with imrelp on 127.0.0.1, writing `%structured-data% %msg%` lines. */
export interface Collector {
  port: number;
  /** The file omfile writes: one line per message. */
  output: string;
  /** Starts rsyslogd (again) on the same port and files; resolves when the port answers. */
  start(): Promise<void>;
  /** Sends `signal` to rsyslogd and waits for it to end. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (bound and released). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

const RSYSLOGD = ['/usr/sbin/rsyslogd', '/sbin/rsyslogd'].find((p) => fs.existsSync(p));

/** True when rsyslogd and its imrelp module are installed (scripts/system-deps.sh). */
export const haveRsyslog =
  RSYSLOGD !== undefined &&
  [
    '/usr/lib/x86_64-linux-gnu/rsyslog',
    '/usr/lib/aarch64-linux-gnu/rsyslog',
    '/usr/lib/rsyslog',
  ].some((d) => fs.existsSync(path.join(d, 'imrelp.so')));

// main_queue Direct: a message is written by omfile before imrelp acknowledges it, so an
// acknowledgement means "in the output file" (rsyslog doc, "Direct Queues"). No imuxsock or
// imklog: this rsyslogd only listens on its RELP port. 64k messages for the 60 KB records.
function config(dir: string, port: number, output: string, o: CollectorOptions): string {
  const { tls } = o;
  if (o.input === 'tcp') {
    // imtcp takes RFC 6587 octet-counted frames (SupportOctetCountedFraming is on by default).
    return `global(workDirectory="${dir}/work" maxMessageSize="64k")
main_queue(queue.type="Direct")
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="${port}")
template(name="line" type="string" string="%structured-data% %msg%\\n")
action(type="omfile" file="${output}" template="line")
`;
  }
  const lib = tls ? ' tls.tlslib="openssl"' : '';
  const on = tls
    ? ` tls="on" tls.cacert="${tls.ca}" tls.mycert="${tls.cert}" tls.myprivkey="${tls.key}" tls.authmode="name" tls.permittedpeer=["${tls.peer}"]`
    : '';
  return `global(workDirectory="${dir}/work" maxMessageSize="64k")
main_queue(queue.type="Direct")
module(load="imrelp"${lib})
input(type="imrelp" address="127.0.0.1" port="${port}" maxDataSize="80k"${on})
template(name="line" type="string" string="%structured-data% %msg%\\n")
action(type="omfile" file="${output}" template="line")
`;
}

/** imrelp `tls="on"`: the CA, the server's certificate and key files, the client name it admits. */
export interface CollectorTls {
  ca: string;
  cert: string;
  key: string;
  peer: string;
}

/** `input`: imrelp (default) or imtcp; `tls`: imrelp with `tls="on"`. */
export interface CollectorOptions {
  input?: 'relp' | 'tcp';
  tls?: CollectorTls;
}

/**
 * Writes an rsyslog config into `dir` and returns a handle to run rsyslogd with it (`-n`: in
 * the foreground, as our child; `-i`: its own pid file). Stopped when the test ends.
 */
export async function createCollector(
  dir: string,
  options: CollectorOptions = {},
): Promise<Collector> {
  const port = await freePort();
  const output = path.join(dir, 'collected.log');
  const conf = path.join(dir, 'rsyslog.conf');
  fs.mkdirSync(path.join(dir, 'work'), { recursive: true });
  fs.writeFileSync(conf, config(dir, port, output, options));
  let child: ChildProcess | undefined;
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const ended = once(c, 'exit');
    c.kill(signal);
    await ended;
  };
  onTestFinished(() => stop('SIGKILL'));
  return {
    port,
    output,
    stop,
    async start() {
      // Its messages (the port probes below make imrelp complain of TLS handshakes cut short) go
      // to a file beside the config, quoted if it fails to start.
      const out = fs.openSync(path.join(dir, 'rsyslogd.out'), 'a');
      const args = ['-n', '-f', conf, '-i', path.join(dir, 'rsyslogd.pid')];
      const c = spawn(RSYSLOGD as string, args, { stdio: ['ignore', out, out] });
      fs.closeSync(out);
      child = c;
      await waitForPort(port, c, path.join(dir, 'rsyslogd.out'));
    },
  };
}

/** One collected line: the writer id and sequence number of fanin's SD element, and the message. */
export interface CollectedLine {
  w: string;
  s: number;
  msg: string;
  /**
   * Cut off by the collector itself: rsyslogd SIGKILLed while omfile wrote a long record leaves
   * part of it without a newline, and the next line it writes follows on the same line. Not a
   * delivered record (audit() skips it); the record is resent when it was not acknowledged.
   */
  torn?: boolean;
}

/** Parses the collector's output file (missing file: no lines). */
export function readCollected(file: string): CollectedLine[] {
  if (!fs.existsSync(file)) return [];
  const out: CollectedLine[] = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (line === '') continue;
    // Every start of an SD element after the first begins a line glued onto a torn one.
    const starts = [...line.matchAll(/\[fanin@32473 /g)].map((m) => m.index);
    if (starts[0] !== 0)
      throw new Error(`unparsable collected line: ${JSON.stringify(line.slice(0, 200))}`);
    starts.forEach((at, k) => {
      const part = line.slice(at, starts[k + 1] ?? line.length);
      const m = /^\[fanin@32473 w="([^"]+)" s="(\d+)"\] (.*)$/.exec(part);
      if (!m) throw new Error(`unparsable collected line: ${JSON.stringify(part.slice(0, 200))}`);
      const torn = k < starts.length - 1;
      out.push({ w: m[1] as string, s: Number(m[2]), msg: m[3] as string, ...(torn && { torn }) });
    });
  }
  return out;
}

/**
 * Counts, over the collected lines, per writer: duplicates (a (w, s) seen before), and whether
 * each writer's sequence numbers, first copies only, are 1..n without a gap and in order.
 */
export function audit(lines: CollectedLine[]): {
  writers: Map<string, number>;
  duplicates: number;
  gaps: number;
  outOfOrder: number;
} {
  const seen = new Map<string, Set<number>>();
  const last = new Map<string, number>();
  let duplicates = 0;
  let outOfOrder = 0;
  for (const { w, s, torn } of lines) {
    if (torn) continue;
    const set = seen.get(w) ?? new Set<number>();
    seen.set(w, set);
    if (set.has(s)) {
      duplicates++;
      continue;
    }
    // A gap is counted in `gaps`; out of order is a number at or below one already seen.
    if (s <= (last.get(w) ?? 0)) outOfOrder++;
    set.add(s);
    last.set(w, Math.max(s, last.get(w) ?? 0));
  }
  let gaps = 0;
  const writers = new Map<string, number>();
  for (const [w, set] of seen) {
    writers.set(w, set.size);
    gaps += Math.max(...set) - set.size;
  }
  return { writers, duplicates, gaps, outOfOrder };
}

/**
 * An outage of the collector: stops it with `signal`, leaves it down for `downMs` (the length of
 * the outage is what the test is about, not a wait for some state), then starts it again.
 *
 * @example
 * await outage(collector, 'SIGKILL', 500);
 */
export async function outage(c: Collector, signal: NodeJS.Signals, downMs: number): Promise<void> {
  await c.stop(signal);
  await new Promise((r) => setTimeout(r, downMs));
  await c.start();
}

/**
 * Writes `turns` × `perTurn` records numbered from 1 (`text(i)` plus a newline) through `writer`,
 * yielding to the event loop after each turn so that they go out; at the end of turn `atTurn`
 * it awaits `between` (an outage of the collector).
 */
export async function writeInTurns(
  writer: { write(record: string, level: string): unknown },
  o: { turns: number; perTurn: number; text: (i: number) => string; atTurn: number },
  between: () => Promise<void>,
): Promise<void> {
  let i = 0;
  for (let turn = 0; turn < o.turns; turn++) {
    for (let k = 0; k < o.perTurn; k++) writer.write(`${o.text(++i)}\n`, 'info');
    await new Promise((r) => setImmediate(r));
    if (turn === o.atTurn) await between();
  }
}

/**
 * Waits until the collector's output holds a line whose message is `msg`, or `timeoutMs`
 * passes. Best-effort tcp ends when the kernel took the bytes: rsyslogd may still have them in
 * its socket buffer, and a SIGTERM then drops them, so a test waits for the proof that the last
 * record arrived before stopping the collector (under load it lagged by ~800 records).
 */
export async function waitForCollected(
  c: Collector,
  msg: string,
  timeoutMs = 20_000,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (fs.existsSync(c.output) && fs.readFileSync(c.output, 'utf8').includes(`] ${msg}\n`)) {
      return true;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}
