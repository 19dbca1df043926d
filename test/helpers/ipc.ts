import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IpcStats as IpcStatsOfCore } from '@fanin/core';
import { expect, onTestFinished, vi } from 'vitest';
import { endOf, type Forked } from './processes.js';

const FIXTURES = fileURLToPath(new URL('../fixtures', import.meta.url));

/** `stats().ipc` of an IPC writer (@fanin/ipc). */
export type IpcCounters = IpcStatsOfCore;

/** The part of an IPC writer's `stats()` the tests read. */
export interface IpcStats {
  records: number;
  dropped: { total: number; byReason: Record<string, number> };
  ipc: IpcCounters;
}

/** What an ipc fixture reports: in its 'done' message, or as a line of its side file at exit. */
export interface IpcReport {
  kind?: string;
  p: number;
  pid: number;
  records: number;
  role: IpcCounters['role'];
  stats: IpcStats;
  errors: { code: string; message: string }[];
  /** From the start of the fixture's ending to its exit report (ms). */
  exitMs?: number;
  worker?: number;
}

/**
 * A fresh directory directly under /tmp (a Unix socket path must stay under 108 bytes, and
 * os.tmpdir() may be long), removed when the test ends, and paths in it: `sock` for a socket,
 * `file` for the log, `side` for the fixtures' exit reports.
 */
export function shortTempDir(): { dir: string; sock: string; file: string; side: string } {
  const dir = fs.mkdtempSync('/tmp/fanin-');
  onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
  const [sock, file, side] = ['s.sock', 'app.log', 'side.jsonl'].map((n) => path.join(dir, n));
  return { dir, sock: sock as string, file: file as string, side: side as string };
}

/** The JSON lines of a side file the fixtures append to at exit ([] if there is none). */
export function readSideFile(file: string): IpcReport[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as IpcReport);
}

/** Every message of `kind` a fixture sent so far. */
export function messagesOf<T = IpcReport>(f: Forked, kind: string): T[] {
  return f.messages.filter((m) => (m as { kind?: unknown } | null)?.kind === kind) as T[];
}

/**
 * Resolves once the fixture sent `count` messages of `kind` (counting those already sent), or
 * rejects if it exits first.
 */
export function messagesCount(f: Forked, kind: string, count: number): Promise<void> {
  if (messagesOf(f, kind).length >= count) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onMessage = () => {
      if (messagesOf(f, kind).length < count) return;
      f.child.off('exit', onExit);
      f.child.off('message', onMessage);
      resolve();
    };
    const onExit = () => {
      f.child.off('message', onMessage);
      reject(new Error(`fixture pid ${f.child.pid} exited before sending ${count} "${kind}"`));
    };
    // Registered after forkFixture's own listener: the message is in f.messages by now.
    f.child.on('message', onMessage);
    f.child.once('exit', onExit);
  });
}

/** A fixture started without an IPC channel: it reports JSON lines on its standard output. */
export interface Spawned {
  child: ChildProcess;
  lines: unknown[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts `test/fixtures/<name>.cjs` with no IPC channel (a process that is no fork child, as
 * an app's top process is); each JSON line it prints goes to `lines`. `options` are added to
 * the fanin options (FANIN_TEST_OPTIONS). Killed if the test ends before it does.
 */
export function spawnFixture(name: string, args: string[], options = {}): Spawned {
  const child = spawn(process.execPath, [path.join(FIXTURES, `${name}.cjs`), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, FANIN_TEST_OPTIONS: JSON.stringify(options) },
  });
  const lines: unknown[] = [];
  let rest = '';
  child.stdout?.setEncoding('utf8').on('data', (text: string) => {
    const parts = (rest + text).split('\n');
    rest = parts.pop() ?? '';
    for (const line of parts) if (line.trim() !== '') lines.push(JSON.parse(line));
  });
  const exited = endOf(child, 'close');
  return { child, lines, exited };
}

/**
 * The reports `n` orphaned workers append to `side` at exit (their writer was killed), by process
 * number, once all `n` are there and every worker has exited (20 s and 10 s at most).
 */
export async function workersGone(side: string, n: number): Promise<IpcReport[]> {
  await vi.waitFor(() => expect(readSideFile(side)).toHaveLength(n), {
    timeout: 20_000,
    interval: 20,
  });
  const workers = readSideFile(side).sort((a, b) => a.p - b.p);
  await vi.waitFor(() => expect(workers.filter((w) => isAlive(w.pid))).toEqual([]), {
    timeout: 10_000,
  });
  return workers;
}

/** Whether a process with this pid still runs (a zombie counts as gone only once reaped). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The number of records a fixture plans for "small,medium,large" (records.cjs planSizes). */
export function planned(counts: string): number {
  return counts.split(',').reduce((n, c) => n + Number(c), 0);
}

/** The mix most ipc tests log in each process: small lines, some over PIPE_BUF, two of 200 KiB. */
export const MIXED = '1500,20,2';
/** The records of {@link MIXED}. */
export const MIXED_RECORDS = planned(MIXED);

/** A stand-in for a socket writer: answers HELLO with WELCOME, acknowledges (almost) nothing. */
export interface FakeWriter {
  /** Bytes of batch frames (BATCH or TEXT) received, over all connections. */
  batchBytes(): number;
  /** Batch frames (BATCH or TEXT) received, over all connections. */
  batches(): number;
  /** Connections accepted so far. */
  connections(): number;
  /** Dies like a killed writer: every connection closed, the socket file removed, no goodbye. */
  die(): Promise<void>;
  /** Closes like a fanin writer's close(): a BYE frame on every connection, then the end. */
  bye(): Promise<void>;
}

/**
 * Listens on `sock` as a writer that welcomes peers, acknowledges the first `ackFirst` batches
 * of each connection, and then never another: a writer that is alive but stalled. Closed when
 * the test ends.
 */
export async function fakeWriter(sock: string, { ackFirst = 0 } = {}): Promise<FakeWriter> {
  const { createServer } = await import('node:net');
  const sockets = new Set<import('node:net').Socket>();
  let batchBytes = 0;
  let totalBatches = 0;
  let connections = 0;
  const server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    let buf = Buffer.alloc(0);
    let batches = 0;
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 8) {
        const length = buf.readUInt32BE(4);
        if (buf.length < 8 + length) break;
        const type = buf[3];
        if (type === 1) socket.write(frame(2, Buffer.from(JSON.stringify({ pid: process.pid }))));
        if (type === 3 || type === 6) {
          batchBytes += 8 + length;
          totalBatches++;
          if (++batches <= ackFirst) socket.write(frame(4, buf.subarray(8, 12)));
        }
        buf = buf.subarray(8 + length);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(sock, resolve));
  const die = async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  const bye = async () => {
    for (const s of sockets) s.end(frame(5, Buffer.alloc(0)));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  onTestFinished(die);
  return {
    batchBytes: () => batchBytes,
    batches: () => totalBatches,
    connections: () => connections,
    die,
    bye,
  };
}

/** One frame of the fanin socket wire format (packages/ipc/src/frames.ts), built by hand. */
export function frame(type: number, body: Buffer, { magic = 'fn', version = 1 } = {}): Buffer {
  const header = Buffer.alloc(8);
  header.write(magic, 0, 'latin1');
  header[2] = version;
  header[3] = type;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

/**
 * A live process's resident set size and its peak so far (KiB), from /proc/<pid>/status
 * (proc(5): VmRSS, VmHWM).
 */
export function rssOf(pid: number): { rssKiB: number; peakKiB: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
  return { rssKiB: field('VmRSS'), peakKiB: field('VmHWM') };
}
