import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkLog, expectWholeLog } from './helpers/check-log.js';
import { type IpcReport, type IpcStats, planned, readSideFile } from './helpers/ipc.js';
import { forkFixture, messageOf, tempDir } from './helpers/processes.js';

const COUNTS = '2000,20,2';
const PER_THREAD = planned(COUNTS);
type Main = 'main-busy' | 'main-blocked' | 'main-stall';

interface MainDone {
  records: number;
  role: string;
  stats: IpcStats;
  errors: unknown[];
  threads: { p: number; code: number }[];
}

async function run(ending: 'close' | 'exit', main: Main, options = {}): Promise<IpcReport[]> {
  const dir = tempDir();
  const file = path.join(dir, 'app.log');
  const side = path.join(dir, 'threads.jsonl');
  const f = forkFixture('ipc-threads', [file, COUNTS, ending, side, main], { options });
  expect(await f.exited).toEqual({ code: 0, signal: null });
  const done = (await messageOf(f, 'done')) as MainDone;
  const threads = readSideFile(side).sort((a, b) => a.p - b.p);
  expect(threads.map((t) => t.records)).toEqual([PER_THREAD, PER_THREAD]);

  const check = checkLog(fs.readFileSync(file, 'utf8'), Array(3).fill(PER_THREAD));
  // Which records are missing, per thread (the first few sequence numbers and the last).
  const missing = check.byProcess.map((b, p) => {
    const seen = new Set(check.records.filter((x) => x.p === p).map((x) => x.s));
    const gone = Array.from({ length: PER_THREAD }, (_, s) => s).filter((s) => !seen.has(s));
    return `p ${p}: ${b.missing} missing ${JSON.stringify(gone.slice(0, 3))}…${gone.at(-1) ?? ''}`;
  });
  expect(check.missing, missing.join('; ')).toBe(0);
  expectWholeLog(check, 3 * PER_THREAD);
  expect(check.switches).toBeGreaterThanOrEqual(2);

  expect(done).toMatchObject({ records: PER_THREAD, role: 'writer', errors: [] });
  expect(done.threads.map((t) => t.code).sort()).toEqual([0, 0]);
  for (const t of threads) {
    expect(t.errors).toEqual([]);
    expect(t.stats.ipc).toMatchObject({ role: 'forwarder', writerLost: 0, resent: 0 });
    // Each record was sent to the main thread once (acknowledged, or posted at the thread's
    // end) or written by the thread itself.
    expect(t.stats.ipc.forwarded + t.stats.ipc.directWrites).toBe(PER_THREAD);
  }
  // The main thread received what the threads forwarded.
  const forwarded = threads.reduce((n, t) => n + t.stats.ipc.forwarded, 0);
  expect(done.stats.ipc.received).toBe(forwarded);
  return threads;
}

describe('@fanin/ipc: worker threads forward to their main thread', () => {
  const mains: [Main, string][] = [
    ['main-busy', 'the main thread logs, then works on until they exited'],
    ['main-blocked', 'the main thread is busy in synchronous work while they finish'],
  ];
  for (const [main, whileThey] of mains) {
    for (const ending of ['close', 'exit'] as const) {
      const how =
        ending === 'close'
          ? 'threads end their logger'
          : 'threads call process.exit() right after their last record';
      it(`2 threads, ${how}; ${whileThey}, then ends its logger on their 'exit': every record whole, once, in order per thread`, async () => {
        await run(ending, main);
      });
    }
  }
});

describe('@fanin/ipc: worker threads whose buffer fills while the main thread is stuck', () => {
  it('each thread waits for the acknowledgement of what it posted before it writes its backlog itself: every record whole, once, in order', async () => {
    const threads = await run('close', 'main-stall', { maxBufferBytes: 262_144 });
    for (const t of threads) {
      expect(t.stats.ipc.directWrites).toBeGreaterThan(0);
      expect(t.stats.ipc.link).toBe('thread');
    }
  });
});
