import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { checkLog, expectOnlyMissing, expectWholeLog, type LogCheck } from './helpers/check-log.js';
import { LOGROTATE, logrotate } from './helpers/logrotate.js';
import { expectCleanExits, forkFixture, reportOf, tempDir } from './helpers/processes.js';
import { checkRotated, readRotated } from './helpers/rotated-files.js';

const PROCESSES = 2;
const ROTATIONS = 3;
const REOPEN_CHECK_MS = 50;
// Let the file grow between rotations (2 processes × ~1 record/ms): about 400 records, 40 KB.
const RECORDS_BETWEEN = 200;
const WAIT = { timeout: 10_000, interval: 10 };

if (!LOGROTATE) {
  console.warn(
    'test/logrotate.test.ts skipped: logrotate is not installed (scripts/system-deps.sh installs it)',
  );
}

/** Whole records now in `file`, per process: how many have a sequence of at least `from[p]`. */
function recordsSince(file: string, from: number[]): number[] {
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const counts = from.map(() => 0);
  for (const line of text.split('\n')) {
    try {
      const r = JSON.parse(line) as { p: number; s: number };
      if (r.s >= (from[r.p] ?? 0)) counts[r.p] = (counts[r.p] ?? 0) + 1;
    } catch {
      // The line being written, or the empty string after the last newline.
    }
  }
  return counts;
}

/** Highest sequence of each process in `file` (-1: none). */
function newestSeq(file: string): number[] {
  const newest = Array(PROCESSES).fill(-1) as number[];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    try {
      const r = JSON.parse(line) as { p: number; s: number };
      newest[r.p] = Math.max(newest[r.p] ?? -1, r.s);
    } catch {
      // As above.
    }
  }
  return newest;
}

/**
 * Starts the writers, then `ROTATIONS` times: lets each process write `RECORDS_BETWEEN` records
 * to the live file, runs logrotate, and waits until every process has written to the file again.
 * Then reads the log, asserts that it is the live file and the three rotated copies, and returns
 * it with the records each writer reported and how long they logged.
 */
async function rotateLive(directives: string[]): Promise<{
  log: ReturnType<typeof readRotated>;
  expected: number[];
  ms: number;
}> {
  const dir = tempDir();
  const started = Date.now();
  const work = tempDir();
  const file = path.join(dir, 'app.log');
  const writers = Array.from({ length: PROCESSES }, (_, p) =>
    forkFixture('continuous-writer', ['writer', file, String(p), String(REOPEN_CHECK_MS)]),
  );
  let from = writers.map(() => 0);
  for (let r = 0; r < ROTATIONS; r++) {
    await vi.waitFor(() => {
      for (const n of recordsSince(file, from)) expect(n).toBeGreaterThanOrEqual(RECORDS_BETWEEN);
    }, WAIT);
    await logrotate(work, file, directives);
    // Records after the newest one in the rotated copy must show up in the live file.
    from = newestSeq(`${file}.1`).map((s) => s + 1);
    await vi.waitFor(() => {
      for (const n of recordsSince(file, from)) expect(n).toBeGreaterThan(0);
    }, WAIT);
  }
  for (const w of writers) w.child.send('stop');
  const ms = Date.now() - started;
  await expectCleanExits(writers);
  const log = readRotated(dir, 'log4js');
  expect(log.files.map((f) => f.name)).toEqual(['app.log.3', 'app.log.2', 'app.log.1', 'app.log']);
  return { log, expected: writers.map((w) => reportOf(w).records), ms };
}

/** Per file, per process: the sequences are contiguous (no gap inside one file). */
function gapsInsideFiles(texts: string[], expected: number[]): number {
  let gaps = 0;
  for (const text of texts) {
    const check = checkLog(text, expected);
    for (let p = 0; p < expected.length; p++) {
      const seqs = check.records.filter((r) => r.p === p).map((r) => r.s);
      for (let i = 1; i < seqs.length; i++) if (seqs[i] !== (seqs[i - 1] as number) + 1) gaps++;
    }
  }
  return gaps;
}

describe.skipIf(!LOGROTATE)(
  `the real logrotate (${LOGROTATE ?? 'not installed: skipped'}) against live writers`,
  () => {
    it(`"create" (rename, then create): ${ROTATIONS} rotations, every record once, in order, none lost`, async () => {
      const { log, expected } = await rotateLive([
        'rotate 10',
        'create',
        'missingok',
        'nocompress',
      ]);
      expect(log.others).toEqual([]);
      expectWholeLog(
        checkRotated(log, expected),
        expected.reduce((a, b) => a + b),
      );
      // Both processes wrote to every file: they were live across each rotation.
      for (const f of log.files) {
        const inFile = checkLog(f.text, expected).byProcess.map((b) => b.records > 0);
        expect(inFile, f.name).toEqual([true, true]);
      }
    });

    it(`"copytruncate": ${ROTATIONS} rotations lose the records written between copy and truncate; none is torn, no NUL gap`, async () => {
      const { log, expected, ms } = await rotateLive([
        'rotate 10',
        'copytruncate',
        'missingok',
        'nocompress',
      ]);
      for (const f of log.files)
        expect(f.text.includes('\0'), `NUL bytes in ${f.name}`).toBe(false);
      const check: LogCheck = checkRotated(log, expected);
      const missing = expectOnlyMissing(check);
      // The loss sits only where a copy ends: inside each file, each process's records run on.
      expect(
        gapsInsideFiles(
          log.files.map((f) => f.text),
          expected,
        ),
      ).toBe(0);
      const total = expected.reduce((a, b) => a + b);
      const perMs = total / ms;
      console.log(
        `logrotate copytruncate: ${missing} of ${total} records lost over ${ROTATIONS} rotations ` +
          `(${(missing / ROTATIONS).toFixed(1)} a rotation, about ${(missing / ROTATIONS / perMs).toFixed(1)} ms ` +
          `of logging at ${perMs.toFixed(2)} records/ms from ${PROCESSES} processes)`,
      );
    });
  },
);
