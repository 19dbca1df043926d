import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// The fixture loads the built CommonJS bundle, as a user's `require` would (build first).
const DIST = fileURLToPath(new URL('../dist/index.cjs', import.meta.url));
const RECORDS = 1000;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fanin-core-exit-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const fixture = path.join(tmp, 'write-then-end.cjs');
fs.writeFileSync(
  fixture,
  `'use strict';
const { createFileWriter } = require(${JSON.stringify(DIST)});
const [file, how] = process.argv.slice(2);
const writer = createFileWriter({ filename: file });
for (let seq = 0; seq < ${RECORDS}; seq++) {
  writer.write(JSON.stringify({ pid: process.pid, seq, pad: 'x'.repeat(10) }) + '\\n');
}
// Every record is still queued here: only the exit hook's flushSync can write them.
if (writer.stats().queueDepth !== ${RECORDS}) throw new Error('records were written early');
if (how === 'exit') process.exit(0);
if (how === 'throw') throw new Error('boom after logging');
`,
);

function run(how: string, file: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [fixture, file, how], { timeout: 10_000 }, (err, _out, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stderr });
    });
  });
}

describe('exit safety (a forked process, the built bundle, a real file)', () => {
  it('has a build to run', () => {
    expect(fs.existsSync(DIST), `${DIST} is missing: run "npx -y pnpm@10 build" first`).toBe(true);
  });

  for (const [how, code, stderr] of [
    ['exit', 0, ''],
    ['throw', 1, 'boom after logging'],
    ['natural-end', 0, ''],
  ] as const) {
    it(`keeps all ${RECORDS} records on ${how} right after logging`, async () => {
      const file = path.join(tmp, `${how}.log`);
      const result = await run(how, file);
      expect(result.code).toBe(code);
      if (stderr) expect(result.stderr).toContain(stderr);
      else expect(result.stderr).toBe('');
      const records = fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as { seq: number });
      expect(records.map((r) => r.seq)).toEqual(Array.from({ length: RECORDS }, (_, i) => i));
    });
  }
});
