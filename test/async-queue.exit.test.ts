import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkLog, expectWholeLog } from './helpers/check-log.js';
import { forkFixture, tempDir } from './helpers/processes.js';

const MODES = ['writer', 'winston', 'log4js'] as const;
// 50,000 records of 100 B (about 5 MB, under the default 8 MiB ring) logged in one synchronous
// loop: the writer thread gets only what it drains while the loop runs; the rest is in the ring
// when the process ends.
const RECORDS = 50_000;
const COUNTS = `${RECORDS},0,0`;

type Ending = 'exit' | 'throw';

function logThenEnd(mode: string, file: string, ending: Ending) {
  return forkFixture('async-crash-writer', [mode, file, '0', COUNTS, ending], {
    quiet: ending === 'throw',
  });
}

describe('@fanin/async-queue: ending the process right after logging', () => {
  for (const mode of MODES) {
    it(`${mode}: all ${RECORDS} records logged before process.exit(0) are in the file`, async () => {
      const file = path.join(tempDir(), 'app.log');
      expect(await logThenEnd(mode, file, 'exit').exited).toEqual({ code: 0, signal: null });
      expectWholeLog(checkLog(fs.readFileSync(file, 'utf8'), [RECORDS]), RECORDS);
    });

    it(`${mode}: all ${RECORDS} records logged before an uncaught exception are in the file`, async () => {
      const file = path.join(tempDir(), 'app.log');
      const f = logThenEnd(mode, file, 'throw');
      expect(await f.exited).toEqual({ code: 1, signal: null });
      expect(f.stderr.join('')).toContain('uncaught, on purpose');
      expectWholeLog(checkLog(fs.readFileSync(file, 'utf8'), [RECORDS]), RECORDS);
    });
  }
});
