import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { checkLog, expectWholeLog } from './helpers/check-log.js';
import { checkRotated, expectTidyLog, readRotated, sizeBound } from './helpers/rotated-files.js';

const FIXTURES = fileURLToPath(new URL('./fixtures', import.meta.url));

/** `stats()` of a locked-file writer, as test/fixtures/locked-writer.cjs reports it. */
interface LockedStats {
  records: number;
  rotations: number;
  dropped: { total: number };
  lock: {
    acquired: number;
    busy: number;
    takeovers: number;
    compromised: number;
    exitBypasses: number;
  };
}

interface Writer {
  child: ChildProcess;
  messages: { kind?: string; records?: number; stats?: LockedStats }[];
  exited: Promise<[number | null, NodeJS.Signals | null]>;
}

/** Forks test/fixtures/locked-writer.cjs; killed if the test ends before it does. */
function forkWriter(
  mode: string,
  file: string,
  p: number,
  counts: string,
  options = {},
  ...flags: 'idle-exit'[]
): Writer {
  const child = fork(
    path.join(FIXTURES, 'locked-writer.cjs'),
    [mode, file, String(p), counts, JSON.stringify(options), ...flags],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  const messages: Writer['messages'] = [];
  child.on('message', (m) => messages.push(m as Writer['messages'][number]));
  const exited = once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>;
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { child, messages, exited };
}

/** Resolves once the writer sent a message of `kind`; rejects if it exits first. */
function messageOf(w: Writer, kind: string): Promise<void> {
  if (w.messages.some((m) => m.kind === kind)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onMessage = (m: { kind?: string }) => {
      if (m.kind !== kind) return;
      w.child.off('exit', onExit);
      resolve();
    };
    const onExit = () => reject(new Error(`locked-writer ${w.child.pid} exited before "${kind}"`));
    w.child.on('message', onMessage);
    w.child.once('exit', onExit);
  });
}

/** Starts them together, waits for every exit (code 0) and returns each one's final stats. */
async function runAll(writers: Writer[], records: number): Promise<LockedStats[]> {
  await Promise.all(writers.map((w) => messageOf(w, 'ready')));
  for (const w of writers) w.child.send('go');
  const exits = await Promise.all(writers.map((w) => w.exited));
  expect(exits).toEqual(writers.map(() => [0, null]));
  return writers.map((w) => {
    const done = w.messages.find((m) => m.kind === 'done');
    expect(done?.records).toBe(records);
    return done?.stats as LockedStats;
  });
}

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fanin-locked-mp-'));
  onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Every process wrote all it logged, under the lock, with no loss and no forced write. */
function expectAllWritten(stats: LockedStats[], records: number): void {
  for (const s of stats) {
    expect(s).toMatchObject({
      records,
      dropped: { total: 0 },
      lock: { takeovers: 0, compromised: 0, exitBypasses: 0 },
    });
    expect(s.lock.acquired).toBeGreaterThanOrEqual(1);
  }
  // The processes really contended for the lock.
  expect(stats.reduce((sum, s) => sum + s.lock.busy, 0)).toBeGreaterThan(0);
}

const MODES = ['writer', 'winston', 'log4js'] as const;
const PROCESSES = 8;
// Per process: 100 B records, 8 KiB ones (over PIPE_BUF) and 1 MiB ones (over the 64 KiB batch
// and a pipe's buffer; written whole with no framing, under the lock): about 2.2 MB a process.
const COUNTS = { small: 600, medium: 20, huge: 2 };
const PER_PROCESS = COUNTS.small + COUNTS.medium + COUNTS.huge;

describe('@fanin/locked-file: many processes, one file', () => {
  for (const mode of MODES) {
    it(`${mode}: ${PROCESSES} processes write 100 B, 8 KiB and 1 MiB records; every record whole, once, in order`, async () => {
      const dir = tempDir();
      const file = path.join(dir, 'app.log');
      const counts = `${COUNTS.small},${COUNTS.medium},${COUNTS.huge}`;
      const writers = Array.from({ length: PROCESSES }, (_, p) =>
        forkWriter(mode, file, p, counts),
      );
      expectAllWritten(await runAll(writers, PER_PROCESS), PER_PROCESS);

      const check = checkLog(fs.readFileSync(file, 'utf8'), Array(PROCESSES).fill(PER_PROCESS));
      expectWholeLog(check, PROCESSES * PER_PROCESS);
      const huge = check.records.filter((r) => r.n > 1_000_000).length;
      expect(huge).toBe(PROCESSES * COUNTS.huge);
      // Their batches alternate in the file (one process after another would give 7 switches).
      expect(check.switches).toBeGreaterThanOrEqual(PROCESSES);
      expect(fs.readdirSync(dir), 'no lock left behind').toEqual(['app.log']);
    });
  }

  // Regression: close() used to wait for the lock on unref()ed timers, so a process with
  // nothing else to do exited inside end() and its exit hook wrote without the lock.
  it(`writer: ${PROCESSES} processes whose only work left is the logger: end() resolves in every one`, async () => {
    const file = path.join(tempDir(), 'app.log');
    const counts = `${COUNTS.small},${COUNTS.medium},${COUNTS.huge}`;
    const writers = Array.from({ length: PROCESSES }, (_, p) =>
      forkWriter('writer', file, p, counts, {}, 'idle-exit'),
    );
    const stats = await runAll(writers, PER_PROCESS);
    expectAllWritten(stats, PER_PROCESS);
  });
});

const ROTATING = 4;
const MAX_BYTES = 65536;
// 100 B and 8 KiB records: about 460 KB a process, some 28 files of 64 KiB.
const ROTATION_COUNTS = '3000,20,0';
const ROTATION_RECORDS = 3020;

// No retention limit, so that every record must still be found at the end.
const ROTATION_MODES = [
  { mode: 'writer', options: { maxBytes: MAX_BYTES } },
  { mode: 'log4js', options: { maxLogSize: '64K', backups: 1000 } },
] as const;

describe('@fanin/locked-file: size rotation under the lock, log4js names', () => {
  for (const { mode, options } of ROTATION_MODES) {
    it(`${mode}: ${ROTATING} processes, maxBytes 64 KiB: every record once across the files, no lock left`, async () => {
      const dir = tempDir();
      const file = path.join(dir, 'app.log');
      const writers = Array.from({ length: ROTATING }, (_, p) =>
        forkWriter(mode, file, p, ROTATION_COUNTS, options),
      );
      const stats = await runAll(writers, ROTATION_RECORDS);
      expectAllWritten(stats, ROTATION_RECORDS);

      const log = readRotated(dir, 'log4js');
      // Names as log4js gives them, no lock directory or temporary beside them, whole lines,
      // and within the documented bound (the largest record is 8 KiB).
      expectTidyLog(log, sizeBound(MAX_BYTES, ROTATING, 8192));
      expect(log.files.length).toBeGreaterThan(10);
      const check = checkRotated(log, Array(ROTATING).fill(ROTATION_RECORDS));
      expectWholeLog(check, ROTATING * ROTATION_RECORDS);
      const rotations = stats.reduce((sum, s) => sum + s.rotations, 0);
      expect(rotations).toBe(log.files.length - 1);
    });
  }
});
