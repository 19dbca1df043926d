import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkLog, summary } from './helpers/check-log.js';
import { shortTempDir } from './helpers/ipc.js';
import { forkFixture, messageOf } from './helpers/processes.js';

// SIGHUP reopens @fanin/locked-file's log through the Sink's reopenIfMoved (it used to reach
// only a plain file target). The periodic path check is off (reopenCheckMs of an hour), so the
// new file appears only if the signal reopened it.

/** Resolves once `file` exists and holds a whole line; rejects after `ms`. */
async function lineIn(file: string, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (fs.existsSync(file) && fs.readFileSync(file, 'utf8').includes('\n')) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`${file} got no line in ${ms} ms`);
}

const CASES = [
  ['log4js', 'none'],
  ['winston', 'none-reopen'],
] as const;

describe('@fanin/locked-file: SIGHUP after the log was moved away, no periodic check', () => {
  for (const [mode, handler] of CASES) {
    it(`${mode}: reopens at the signal, keeps running, loses nothing across the two files`, async () => {
      const { dir } = shortTempDir();
      const [file, side] = [path.join(dir, 'app.log'), path.join(dir, 'side')];
      const f = forkFixture('signal-writer', ['locked-file', mode, file, side, 'steady', handler], {
        options: { reopenCheckMs: 3_600_000 },
      });
      await messageOf(f, 'logging');
      fs.renameSync(file, `${file}.1`);
      f.child.kill('SIGHUP');
      await lineIn(file, 10_000);
      f.child.kill('SIGTERM');
      expect(await f.exited).toEqual({ code: null, signal: 'SIGTERM' });
      const last = Number(fs.readFileSync(side, 'utf8'));
      const rotated = fs.readFileSync(`${file}.1`, 'utf8');
      expect(summary(checkLog(rotated + fs.readFileSync(file, 'utf8'), [last + 1]))).toMatchObject({
        ...{ total: last + 1, torn: 0, duplicates: 0 },
        ...{ missing: 0, outOfOrder: 0, unexpected: 0 },
      });
      expect(checkLog(rotated, [last + 1]).total).toBeGreaterThan(0);
      expect(fs.existsSync(`${file}.lock`), 'no lock left').toBe(false);
    });
  }
});
