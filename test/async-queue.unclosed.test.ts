import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkLog, expectWholeLog } from './helpers/check-log.js';
import { exitOnItsOwn, tempDir } from './helpers/processes.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/async-unclosed.cjs', import.meta.url));
// Only to turn a process that never ends into a failure instead of a hung run.
const HANG_MS = 30_000;

// Issue #16, item 3: a logger that is never closed must not keep its process alive.
describe('@fanin/async-queue: a logger that is never closed', () => {
  for (const mode of ['writer', 'winston', 'log4js']) {
    it(
      `${mode}: a script that logs one record and returns ends by itself, the record in the file`,
      async () => {
        const file = path.join(tempDir(), 'app.log');
        // No IPC channel: nothing but the logger could keep this process alive.
        const child = spawn(process.execPath, [FIXTURE, mode, file], { stdio: 'inherit' });
        expect(await exitOnItsOwn(child, HANG_MS), 'killed: it did not end by itself').toEqual({
          code: 0,
          signal: null,
        });
        expectWholeLog(checkLog(fs.readFileSync(file, 'utf8'), [1]), 1);
      },
      HANG_MS + 10_000,
    );
  }
});
