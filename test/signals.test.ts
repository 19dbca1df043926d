import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkLog, summary } from './helpers/check-log.js';
import { shortTempDir } from './helpers/ipc.js';
import { type Forked, forkFixture, messageOf } from './helpers/processes.js';

// Real signals from this process to a child logging through each transport (#19). The child
// writes its last logged sequence number to a side file synchronously after every turn, so the
// records logged before the signal are known however the child ends; each must be in the log.

const PACKAGES = ['append-file', 'locked-file', 'async-queue', 'ipc'] as const;
const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;
type Pkg = (typeof PACKAGES)[number];
type Sig = (typeof SIGNALS)[number];
type Mode = 'writer' | 'winston' | 'log4js';
type Pattern = 'steady' | 'burst' | 'self';
type Handler = 'none' | 'exit' | 'once' | 'none-reopen' | 'signal-exit';

interface Run {
  f: Forked;
  file: string;
  side: string;
}

function start(pkg: Pkg, mode: Mode, pattern: Pattern, handler: Handler, sig: Sig): Run {
  const { dir } = shortTempDir();
  const file = path.join(dir, 'app.log');
  const side = path.join(dir, 'side');
  const f = forkFixture('signal-writer', [pkg, mode, file, side, pattern, handler, sig]);
  return { f, file, side };
}

/** The last sequence number the child logged (-1 if none). */
function lastLogged(side: string): number {
  return Number(fs.readFileSync(side, 'utf8').trim() || -1);
}

/** Every record up to the last one logged is in `text`, once, whole, in order. */
function expectAllLogged(text: string, last: number): void {
  const check = checkLog(text, [last + 1]);
  expect(summary(check)).toMatchObject({
    ...{ total: last + 1, torn: 0, duplicates: 0 },
    ...{ missing: 0, outOfOrder: 0, unexpected: 0 },
  });
}

async function signalWhileLogging(run: Run, sig: Sig): Promise<void> {
  await messageOf(run.f, 'logging');
  run.f.child.kill(sig);
}

// log4js keeps its meaning for SIGHUP (reopen and go on), so SIGHUP's death is tried with winston.
const modeFor = (sig: Sig, i: number): Mode =>
  sig === 'SIGHUP'
    ? ((['writer', 'winston'] as const)[i % 2] as Mode)
    : ((['writer', 'winston', 'log4js'] as const)[i % 3] as Mode);

describe('a signal from outside while the app logs in bursts', () => {
  for (const [i, pkg] of PACKAGES.entries()) {
    for (const sig of SIGNALS) {
      const mode = modeFor(sig, i);
      it(`${pkg} ${mode} ${sig}, no app handler: nothing lost, the child dies of ${sig}`, async () => {
        const run = start(pkg, mode, 'burst', 'none', sig);
        await signalWhileLogging(run, sig);
        expect(await run.f.exited).toEqual({ code: null, signal: sig });
        expectAllLogged(fs.readFileSync(run.file, 'utf8'), lastLogged(run.side));
      });

      it(`${pkg} ${mode} ${sig}, the app's handler calls process.exit(0): nothing lost, status 0`, async () => {
        const run = start(pkg, mode, 'burst', 'exit', sig);
        await signalWhileLogging(run, sig);
        expect(await run.f.exited).toEqual({ code: 0, signal: null });
        expectAllLogged(fs.readFileSync(run.file, 'utf8'), lastLogged(run.side));
      });
    }
  }
});

describe('a signal while the app logs steadily, and a signal the app sends itself mid-burst', () => {
  for (const pkg of PACKAGES) {
    it(`${pkg} steady SIGTERM: nothing lost, the child dies of SIGTERM`, async () => {
      const run = start(pkg, 'winston', 'steady', 'none', 'SIGTERM');
      await signalWhileLogging(run, 'SIGTERM');
      expect(await run.f.exited).toEqual({ code: null, signal: 'SIGTERM' });
      expectAllLogged(fs.readFileSync(run.file, 'utf8'), lastLogged(run.side));
    });

    // The burst ends the program: with a listener installed (fanin's, or signal-exit's that
    // proper-lockfile brings) the signal waits for a poll the loop would never make.
    it(`${pkg} kills itself right after a burst of 5000: all 5000 written, status 143`, async () => {
      const run = start(
        pkg,
        pkg === 'locked-file' ? 'writer' : 'log4js',
        'self',
        'none',
        'SIGTERM',
      );
      expect(await run.f.exited).toEqual({ code: null, signal: 'SIGTERM' });
      expect(lastLogged(run.side)).toBe(4999);
      expectAllLogged(fs.readFileSync(run.file, 'utf8'), 4999);
    });
  }

  for (const sig of ['SIGINT', 'SIGHUP'] as const) {
    it(`locked-file kills itself with ${sig} right after a burst: dies of ${sig}, not status 0`, async () => {
      const run = start('locked-file', 'winston', 'self', 'none', sig);
      expect(await run.f.exited).toEqual({ code: null, signal: sig });
      expectAllLogged(fs.readFileSync(run.file, 'utf8'), 4999);
    });
  }
});

// signal-exit v4 (npm, as libraries bring it) listens for every signal and acts only when its
// listeners are all there are: fanin does not count them as the app's, flushes, and steps
// aside; signal-exit then runs its onExit callbacks, which log one more record (written
// through), and re-raises. (signal-exit v3, which proper-lockfile brings, is locked-file's case
// above.)
describe('a library that uses signal-exit v4', () => {
  for (const [i, pkg] of PACKAGES.entries()) {
    const sig = (['SIGTERM', 'SIGINT'] as const)[i % 2] as 'SIGTERM' | 'SIGINT';
    const mode = (['writer', 'winston'] as const)[Math.floor(i / 2)] as Mode;
    it(`${pkg} ${mode} ${sig}: the record its onExit callback logs is written, the child dies of ${sig}`, async () => {
      const run = start(pkg, mode, 'burst', 'signal-exit', sig);
      await signalWhileLogging(run, sig);
      expect(await run.f.exited).toEqual({ code: null, signal: sig });
      const last = lastLogged(run.side);
      // The callback's record is one past a whole burst (2000 a turn).
      expect(last % 2000).toBe(0);
      expectAllLogged(fs.readFileSync(run.file, 'utf8'), last);
    });
  }
});

describe('an app listener fanin must see', () => {
  // process.once() wrappers remove themselves before the listeners after them run (events docs):
  // fanin's listener goes first so that it still sees the app's. (A listener added after the
  // log opened is the 'exit' handler of the matrix above.)
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    it(`added with process.once() before the log opened (${sig}): fanin leaves shutdown to it`, async () => {
      const run = start('append-file', 'winston', 'burst', 'once', sig);
      await signalWhileLogging(run, sig);
      expect(await run.f.exited).toEqual({ code: 0, signal: null });
      expectAllLogged(fs.readFileSync(run.file, 'utf8'), lastLogged(run.side));
    });
  }
});

describe('a writer in a worker thread (signals reach the main thread only)', () => {
  for (const [i, pkg] of (['append-file', 'async-queue', 'ipc'] as const).entries()) {
    const sig = (['SIGTERM', 'SIGINT'] as const)[i % 2];
    it(`${pkg} ${sig}: the main thread has the thread flush before it re-raises; nothing lost`, async () => {
      const { dir } = shortTempDir();
      const [file, side] = [path.join(dir, 'app.log'), path.join(dir, 'side')];
      const f = forkFixture('signal-thread', [file, side, pkg]);
      await messageOf(f, 'logging');
      f.child.kill(sig);
      expect(await f.exited).toEqual({ code: null, signal: sig });
      // The thread runs on while the main thread re-raises, writing through: records logged
      // after the side file's last number may be there too (as "unexpected"), whole.
      const last = lastLogged(side);
      const check = checkLog(fs.readFileSync(file, 'utf8'), [last + 1]);
      expect(summary(check)).toMatchObject({ torn: 0, duplicates: 0, missing: 0, outOfOrder: 0 });
      expect(check.total).toBe(last + 1);
    });
  }
});
