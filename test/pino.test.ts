import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkLog, summary } from '@fanin/core/testing';
import { describe, expect, it } from 'vitest';
import {
  expectCleanExits,
  forkFixture,
  messageOf,
  startTogether,
  tempDir,
} from './helpers/processes.js';

const PROCESSES = 3;
// Small records, and some over PIPE_BUF and 64 KiB: a thread-stream chunk ends mid-record.
const COUNTS = '600,20,2';
const PER_PROCESS = 622;

// pino (#18): a fanin writer as pino's destination, or as a pino.transport() target, in several
// processes at once; each process ends with process.exit() in the turn of its last record, or
// with end(). Every record arrives whole, once, in order.
describe('pino into fanin writers from several processes', () => {
  for (const how of ['direct', 'transport'] as const) {
    for (const pkg of ['append-file', 'locked-file', 'async-queue'] as const) {
      // process.exit() is the ending that loses records elsewhere; end() once per way in.
      for (const ending of pkg === 'append-file'
        ? (['exit', 'end'] as const)
        : (['exit'] as const)) {
        it(`${how} · ${pkg} · ${ending}`, async () => {
          const file = path.join(tempDir(), 'app.log');
          const forked = Array.from({ length: PROCESSES }, (_, p) =>
            forkFixture('pino-writer', [how, pkg, file, String(p), COUNTS, ending]),
          );
          await startTogether(forked);
          const done = await Promise.all(forked.map((f) => messageOf(f, 'done')));
          expect(done.map((d) => (d as { records: number }).records)).toEqual(
            Array(PROCESSES).fill(PER_PROCESS),
          );
          await expectCleanExits(forked);
          const check = checkLog(fs.readFileSync(file), Array(PROCESSES).fill(PER_PROCESS));
          expect(summary(check), JSON.stringify(check.tornSamples)).toEqual({
            ...{ total: PROCESSES * PER_PROCESS, torn: 0, foreign: 0, duplicates: 0 },
            ...{ missing: 0, outOfOrder: 0, unexpected: 0 },
          });
        });
      }
    }
  }
});
