import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { LOGROTATE, logrotate } from '../helpers/logrotate.js';
import { tempDir } from '../helpers/processes.js';
import { checkFaultLog, forkFault, nextMessage, stopFault } from './fault-log.js';

// fanin #14: logrotate's copytruncate against live writers. logrotate(8) says of copytruncate:
// "there is a very small time slice between copying the file and truncating it, so some logging
// data might be lost". That window is the only loss allowed here; fanin must add none, tear
// nothing, and never leave NULs (a writer whose offset is past the new end: O_APPEND prevents it).

const PRODUCERS = 3;
const ROTATIONS = 3;
// The live file grows this much between rotations (3 producers, a record each per ms).
const GROW_BYTES = 300_000;
const SIZES = '100,3000,300,8000,1000';

if (!LOGROTATE) {
  console.warn('test/faults/copytruncate.test.ts skipped: logrotate is not installed');
}

/** Missing sequence numbers of 0 … records-1 in `seqs`, as runs of consecutive numbers. */
function missingRuns(seqs: number[], records: number): number[][] {
  const have = new Set(seqs);
  const runs: number[][] = [];
  for (let s = 0; s < records; s++) {
    if (have.has(s)) continue;
    const last = runs.at(-1);
    if (last && last.at(-1) === s - 1) last.push(s);
    else runs.push([s]);
  }
  return runs;
}

describe.skipIf(!LOGROTATE)('fault: logrotate copytruncate while 3 processes write', () => {
  for (const via of ['append', 'locked', 'async'] as const) {
    it(`${via}: no torn line but at a copy's end, no NUL, no duplicate, loss only in the copy-truncate windows and not counted as a drop`, async () => {
      const dir = tempDir();
      const work = tempDir();
      const file = path.join(dir, 'app.log');
      const writers = Array.from({ length: PRODUCERS }, (_, p) =>
        forkFault('fault-writer', [file, `w${p}`, SIZES, '1'], { transport: via }),
      );
      await Promise.all(writers.map((w) => nextMessage(w, 'ready')));
      const grown = () => expect(fs.statSync(file).size).toBeGreaterThan(GROW_BYTES);
      const logrotateMs: number[] = [];
      for (let r = 0; r < ROTATIONS; r++) {
        await vi.waitFor(grown, { timeout: 20_000, interval: 20 });
        const t0 = Date.now();
        await logrotate(work, file, ['copytruncate', 'rotate 10', 'missingok']);
        logrotateMs.push(Date.now() - t0);
      }
      await vi.waitFor(grown, { timeout: 20_000, interval: 20 });
      const reports = (await Promise.all(writers.map(stopFault))) as unknown as {
        records: number;
        stats: { dropped: { total: number } };
      }[];

      // Oldest copy first, the live file last; each file read on its own lines.
      const names = [...Array(ROTATIONS).keys()].map((i) => `app.log.${ROTATIONS - i}`);
      const texts = [...names, 'app.log'].map((n) => fs.readFileSync(path.join(dir, n), 'utf8'));
      // A copy may end in the middle of a record being written while logrotate read the file
      // (a read is not atomic with a write); truncate then drops the record from the live file.
      const cutCopies = texts.slice(0, -1).filter((t) => t.length > 0 && !t.endsWith('\n')).length;
      const check = checkFaultLog(texts.map((t) => (t.endsWith('\n') ? t : `${t}\n`)).join(''));
      const nuls = texts.reduce((n, t) => n + (t.split('\0').length - 1), 0);
      const lost = reports.map((rep, p) => missingRuns(check.seqs.get(`w${p}`) ?? [], rep.records));
      const row = {
        via,
        records: reports.map((rep) => rep.records),
        lost: lost.map((runs) => runs.reduce((n, run) => n + run.length, 0)),
        gaps: lost.map((runs) => runs.length),
        logrotateMs,
        cutCopies,
        fragments: check.fragments.length,
      };
      console.log(`copytruncate: ${JSON.stringify(row)}`);

      expect({ nuls, garbage: check.garbage, duplicates: check.duplicates }).toEqual({
        nuls: 0,
        garbage: [],
        duplicates: 0,
      });
      // Torn: only a record cut at the end of a copy, never one glued to another.
      expect(check.glued).toEqual([]);
      expect(check.fragments.length).toBe(cutCopies);
      for (const [p, rep] of reports.entries()) {
        const seqs = check.seqs.get(`w${p}`) ?? [];
        // Nothing dropped as far as the writer knows: the loss is logrotate's window.
        expect(rep.stats.dropped.total).toBe(0);
        // In order across the copies and the live file, each record at most once.
        expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
        // Lost records only in one run per copy-truncate, none after the last one.
        expect(lost[p]?.length ?? 0).toBeLessThanOrEqual(ROTATIONS);
        expect(seqs.at(-1)).toBe(rep.records - 1);
      }
    }, 60_000);
  }
});
