import { describe, expect, it } from 'vitest';
import {
  type Counts,
  endRightAfterLogging,
  killOneWriter,
  MODES,
  runTogether,
  WRITER_KINDS,
} from './helpers/suites.js';

// The shared multi-process suites, run for each of the four writers and each front end, with
// test/fixtures/writer.cjs. Counts are small on purpose (the whole CI has 10 minutes on 2 cores);
// the packages' own tests and test/faults go further.
const PROCESSES = 4;
// Per process: 100 B records, 8 KiB ones (over PIPE_BUF) and 200 KiB ones (over a pipe's 64 KiB
// buffer and the writers' 64 KiB batch), shuffled: about 0.6 MB a process.
const MIXED: Counts = { small: 1000, medium: 20, large: 2 };
// Logged in one synchronous loop before the process ends: 2000 records, about 0.7 MB.
const ENDING: Counts = { small: 1977, medium: 20, large: 3 };
const ENDING_PROCESSES = 2;
const KILL: Counts = { small: 600, medium: 10, large: 2 };

for (const w of WRITER_KINDS) {
  describe(`multi-process: ${w.pkg}`, () => {
    for (const mode of MODES) {
      it(`${mode}: ${PROCESSES} processes write 100 B – 200 KB records together; every record whole, once, in order`, async () => {
        await runTogether(w, mode, PROCESSES, MIXED);
      });

      for (const ending of ['exit', 'throw'] as const) {
        const how = ending === 'exit' ? 'process.exit(0)' : 'an uncaught exception';
        it(`${mode}: ${ENDING_PROCESSES} processes log in one synchronous loop and end with ${how}; every record is in the file`, async () => {
          await endRightAfterLogging(w, mode, ending, ENDING_PROCESSES, ENDING);
        });
      }

      it(`${mode}: one of ${PROCESSES} writers is SIGKILLed; the others lose nothing, the victim leaves a prefix`, async () => {
        const run = await killOneWriter(w, mode, PROCESSES, KILL);
        const { check, victim } = run;
        const seen = JSON.stringify(check.byProcess) + JSON.stringify(check.tornSamples);
        for (const [p, producer] of check.byProcess.entries()) {
          if (p === victim) continue;
          expect(producer.missing, `p ${p}: ${seen}`).toBe(0);
          expect(producer.torn, `p ${p}: ${seen}`).toBe(0);
        }
        const v = check.byProcess[victim];
        // What reached the file of the victim: its first records, each once, in order.
        expect(v?.duplicates, seen).toBe(0);
        expect(v?.outOfOrder, seen).toBe(0);
        expect(Math.max(-1, ...check.records.filter((r) => r.p === victim).map((r) => r.s))).toBe(
          run.victimRecords - 1,
        );
        expect(run.victimRecords, 'the victim wrote before it died').toBeGreaterThan(0);
        // At most its own last record torn: SIGKILL between the pages of one write(2).
        expect(check.torn, seen).toBeLessThanOrEqual(1);
        for (const t of check.tornSamples) expect(t, seen).toContain(`"p":${victim},`);
        // ipc: a killed socket writer's unacknowledged batches are resent (counted in `resent`).
        const resent = run.reports.reduce(
          (n, r) => n + ((r.stats as { ipc?: { resent: number } }).ipc?.resent ?? 0),
          0,
        );
        expect(check.duplicates, seen).toBeLessThanOrEqual(resent);
        expect(check.outOfOrder, seen).toBe(0);
        for (const r of run.reports) expect(r.stats?.dropped.total).toBe(0);
      });
    }
  });
}
