import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkLog, expectWholeLog } from './helpers/check-log.js';
import { exitOnItsOwn, tempDir } from './helpers/processes.js';

// Also the async queue under its other front ends (async-unclosed.cjs): one place for "a
// logger never closed does not keep its process alive".

// Only to turn a process that never ends into a failure instead of a hung run.
const HANG_MS = 30_000;

/**
 * Runs test/fixtures/<fixture>.cjs with `args` and the log's path, with no IPC channel (nothing
 * but the logger, and the processes it forks, could keep it alive): it must end by itself, with
 * `expected[p]` records of each process index in the file.
 */
async function endsByItself(fixture: string, args: string[], expected: number[]): Promise<void> {
  const file = path.join(tempDir(), 'app.log');
  const script = fileURLToPath(new URL(`./fixtures/${fixture}.cjs`, import.meta.url));
  const child = spawn(process.execPath, [script, ...args, file], { stdio: 'inherit' });
  expect(await exitOnItsOwn(child, HANG_MS), 'killed: it did not end by itself').toEqual({
    code: 0,
    signal: null,
  });
  const total = expected.reduce((a, b) => a + b, 0);
  expectWholeLog(checkLog(fs.readFileSync(file, 'utf8'), expected), total);
}

// [transport, records per process index]
const WINSTON_CASES: [string, number[]][] = [
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
  for (const [kind, expected] of WINSTON_CASES) {
    it(
      `${kind}: a script that logs one record per process and returns ends by itself, the records in the file`,
      () => endsByItself('winston-unclosed', [kind], expected),
      HANG_MS + 10_000,
    );
  }
});

// Issue #16, item 3: the async queue's writer thread must not hold the process open under the
// other front ends either (its winston case is above).
describe('@fanin/async-queue: a logger that is never closed', () => {
  for (const mode of ['writer', 'log4js']) {
    it(
      `${mode}: a script that logs one record and returns ends by itself, the record in the file`,
      () => endsByItself('async-unclosed', [mode], [1]),
      HANG_MS + 10_000,
    );
  }
});
