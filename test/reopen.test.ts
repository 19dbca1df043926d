import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { checkLog, expectWholeLog, type LogCheck } from './helpers/check-log.js';
import {
  expectCleanExits,
  type Forked,
  forkFixture,
  reportOf,
  tempDir,
  whileAlive,
} from './helpers/processes.js';

const MODES = ['writer', 'winston', 'log4js'] as const;
const PROCESSES = 2;
const REOPEN_CHECK_MS = 50;
// The documented bound is reopenCheckMs plus one batch; a batch here is one turn of a child's
// event loop, so 100 ms of slack covers it and a busy 2-core machine.
const BOUND_MS = REOPEN_CHECK_MS + 100;
const WAIT = { timeout: 10_000, interval: 20 };

/** Newest timestamp of each process among the whole records of `file` (-1: none yet). */
function newestPerProcess(file: string): number[] {
  const newest = Array(PROCESSES).fill(-1) as number[];
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  for (const line of text.split('\n')) {
    try {
      const r = JSON.parse(line) as { p: number; t: number };
      newest[r.p] = Math.max(newest[r.p] ?? -1, r.t);
    } catch {
      // The line being written, or the empty string after the last newline.
    }
  }
  return newest;
}

/** Waits until every process has logged into `file` a record stamped later than `after`. */
async function allWritingTo(forked: Forked[], file: string, after: number): Promise<void> {
  const written = vi.waitFor(() => {
    expect(newestPerProcess(file).every((t) => t > after)).toBe(true);
  }, WAIT);
  await whileAlive(forked, written);
}

function newest(check: LogCheck): number {
  return Math.max(...check.records.map((r) => r.t));
}

describe('following an external rotation (logrotate "create" mode) and a deletion', () => {
  for (const mode of MODES) {
    it(`${mode}: after a rename and a delete, records go to the new file within reopenCheckMs; none lost`, async () => {
      const dir = tempDir();
      const file = path.join(dir, 'app.log');
      const rotated = `${file}.1`;
      const forked: Forked[] = Array.from({ length: PROCESSES }, (_, p) =>
        forkFixture('continuous-writer', [mode, file, String(p), String(REOPEN_CHECK_MS)]),
      );
      await allWritingTo(forked, file, 0);

      // logrotate's "create": rename the log, then create a new empty one at the old path.
      fs.renameSync(file, rotated);
      const renamedAt = Date.now();
      fs.closeSync(fs.openSync(file, 'a'));
      await allWritingTo(forked, file, renamedAt + BOUND_MS);

      // Delete the new file once. Holding it open keeps its records readable for the check.
      const deleted = fs.openSync(file, 'r');
      fs.unlinkSync(file);
      const deletedAt = Date.now();
      await allWritingTo(forked, file, deletedAt + BOUND_MS);

      for (const f of forked) f.child.send('stop');
      await expectCleanExits(forked);
      const expected = forked.map((f) => reportOf(f).records);
      const texts = [fs.readFileSync(rotated, 'utf8'), fs.readFileSync(deleted, 'utf8')];
      fs.closeSync(deleted);
      texts.push(fs.readFileSync(file, 'utf8'));

      // Per process, the three files in turn hold every record once, in order.
      const total = expected.reduce((a, b) => a + b);
      expectWholeLog(checkLog(texts.join(''), expected), total);
      const parts = texts.map((t) => checkLog(t, expected)) as [LogCheck, LogCheck, LogCheck];
      for (const part of parts) {
        expect(part.byProcess.map((p) => p.records > 0)).toEqual([true, true]);
      }
      const [old, gone] = parts;
      expect(newest(old)).toBeLessThanOrEqual(renamedAt + BOUND_MS);
      expect(newest(gone)).toBeLessThanOrEqual(deletedAt + BOUND_MS);
      for (const f of forked) {
        expect(reportOf(f).stats).toMatchObject({ reopenings: 2, dropped: { total: 0 } });
      }
    });
  }
});
