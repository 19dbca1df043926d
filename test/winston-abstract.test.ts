import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { exitOnItsOwn, tempDir } from './helpers/processes.js';

const SPEC = fileURLToPath(new URL('./fixtures/winston-abstract.cjs', import.meta.url));
const MOCHA = createRequire(import.meta.url).resolve('mocha/bin/mocha.js');
// Only to turn a run that never ends into a failure instead of a hung run.
const HANG_MS = 60_000;

interface MochaReport {
  stats: { tests: number; passes: number; failures: number; pending: number };
  failures: { fullTitle: string; err: { message?: string } }[];
}

// Issue #16: winston's conformance suite passes for all four transports, and the mocha process
// ends by itself (no --exit) although the suite never closes a transport.
it(
  'abstract-winston-transport passes against all four transports, and mocha exits without --exit',
  async () => {
    const child = spawn(process.execPath, [MOCHA, '--reporter', 'json', SPEC], {
      env: { ...process.env, FANIN_ABSTRACT_DIR: tempDir() },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    const { code, signal } = await exitOnItsOwn(child, HANG_MS);
    expect(signal, 'killed: mocha did not end by itself').toBeNull();
    const report = JSON.parse(out) as MochaReport;
    expect(report.failures.map((f) => `${f.fullTitle}: ${f.err.message}`)).toEqual([]);
    // Per transport: .log() present, with and without a callback, and 'logged'.
    expect(report.stats).toMatchObject({ tests: 16, passes: 16, failures: 0, pending: 0 });
    expect(code).toBe(0);
  },
  HANG_MS + 10_000,
);
