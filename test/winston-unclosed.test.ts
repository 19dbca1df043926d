import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkLog, expectWholeLog } from './helpers/check-log.js';
import { exitOnItsOwn, tempDir } from './helpers/processes.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/winston-unclosed.cjs', import.meta.url));
// Only to turn a process that never ends into a failure instead of a hung run.
const HANG_MS = 30_000;

// [transport, records per process index]
const CASES: [string, number[]][] = [
  ['winston-file', [1]],
  ['append-file', [1]],
  ['locked-file', [1]],
  ['async-queue', [1]],
  ['ipc-parent', [1]],
  ['ipc-cluster', [1]],
  ['ipc-parent-child', [1, 1]],
  // No case with a cluster worker: node's cluster channel holds primary and worker open without
  // any logger (a bare cluster.fork() with nothing to do never ends, measured here).
];

// Issue #16, defect 3: no transport may keep its process alive; winston's own File is the
// control (it ends by itself too).
describe('winston: a logger that is never closed', () => {
  for (const [kind, expected] of CASES) {
    it(
      `${kind}: a script that logs one record per process and returns ends by itself, the records in the file`,
      async () => {
        const file = path.join(tempDir(), 'app.log');
        // No IPC channel: nothing but the logger (and the processes it forks) could keep it alive.
        const child = spawn(process.execPath, [FIXTURE, kind, file], { stdio: 'inherit' });
        expect(await exitOnItsOwn(child, HANG_MS), 'killed: it did not end by itself').toEqual({
          code: 0,
          signal: null,
        });
        const total = expected.reduce((a, b) => a + b, 0);
        expectWholeLog(checkLog(fs.readFileSync(file, 'utf8'), expected), total);
      },
      HANG_MS + 10_000,
    );
  }
});
