import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkLog, expectWholeLog } from './helpers/check-log.js';
import {
  expectCleanExits,
  type FixtureReport,
  forkFixture,
  reportOf,
  startTogether,
  tempDir,
} from './helpers/processes.js';
import { checkRotated, expectTidyLog, readRotated, sizeBound } from './helpers/rotated-files.js';

// Many processes on one file through @fanin/locked-file, mixed sizes and a kill, are in the
// shared suite (multi-process.test.ts); here what only the lock brings: a close() that waits for
// the lock in a process with nothing else to do, and size rotation under the lock.

/** `stats()` of a locked-file writer, as test/fixtures/writer.cjs reports it. */
interface LockedStats {
  records: number;
  rotations: number;
  dropped: { total: number };
  lock: { acquired: number; busy: number };
}

/** `processes` writer.cjs processes of @fanin/locked-file, started together; their final stats. */
async function runLocked(
  mode: string,
  file: string,
  processes: number,
  counts: string,
  records: number,
  ...rest: string[]
): Promise<LockedStats[]> {
  const forked = Array.from({ length: processes }, (_, p) =>
    forkFixture('writer', ['locked', mode, file, String(p), counts, ...rest]),
  );
  await startTogether(forked);
  await expectCleanExits(forked);
  const reports: FixtureReport[] = forked.map(reportOf);
  for (const r of reports) {
    expect(r.records).toBe(records);
    expect(r.stats).toMatchObject({
      records,
      dropped: { total: 0 },
      lock: { takeovers: 0, compromised: 0, exitBypasses: 0 },
    });
  }
  const stats = reports.map((r) => r.stats as unknown as LockedStats);
  // The processes really contended for the lock.
  expect(stats.reduce((sum, s) => sum + s.lock.busy, 0)).toBeGreaterThan(0);
  return stats;
}

const PROCESSES = 8;
// Per process: 100 B records, 8 KiB ones and two of 1 MiB (over the 64 KiB batch and a pipe's
// buffer; written whole with no framing, under the lock): about 2.2 MB a process.
const COUNTS = '600,20,0,2';

describe('@fanin/locked-file: a process whose only work left is the logger', () => {
  // Regression: close() used to wait for the lock on unref()ed timers, so a process with
  // nothing else to do exited inside end() and its exit hook wrote without the lock.
  it(`writer: ${PROCESSES} processes with 1 MiB records: end() resolves in every one`, async () => {
    const file = path.join(tempDir(), 'app.log');
    await runLocked('writer', file, PROCESSES, COUNTS, 622, '{}', 'idle-exit');
    const check = checkLog(fs.readFileSync(file), Array(PROCESSES).fill(622));
    expectWholeLog(check, PROCESSES * 622);
    expect(fs.readdirSync(path.dirname(file)), 'no lock left behind').toEqual(['app.log']);
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
      const stats = await runLocked(
        mode,
        file,
        ROTATING,
        ROTATION_COUNTS,
        ROTATION_RECORDS,
        JSON.stringify(options),
      );

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
