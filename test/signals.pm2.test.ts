import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it, onTestFinished } from 'vitest';
import { checkLog, summary } from './helpers/check-log.js';
import { shortTempDir } from './helpers/ipc.js';

// A real pm2 (npm `pm2`, its daemon under a temporary PM2_HOME, killed after): cluster mode, 2
// instances logging 200 records every 5 ms, `pm2 stop` (SIGINT to each worker, SIGKILL 1.6 s
// later) once both are logging. With `signals: false` (FANIN_TEST_OPTIONS) the turn queued at the
// signal dies with the process: 200 and 400 of 33,200 and 24,600 records lost (locked-file, by
// hand), 200 of 98,200 (append-file, here); some runs lose none.
const run = promisify(execFile);
const PM2 = (() => {
  try {
    return createRequire(import.meta.url).resolve('pm2/bin/pm2');
  } catch {
    return undefined;
  }
})();
const APP = fileURLToPath(new URL('./fixtures/signal-pm2-app.cjs', import.meta.url));

/** Resolves once every file holds a sequence number of at least `n` (bounded: 20 s). */
async function logged(files: string[], n: number): Promise<void> {
  const until = Date.now() + 20_000;
  const last = (f: string) => (fs.existsSync(f) ? Number(fs.readFileSync(f, 'utf8')) : -1);
  while (files.some((f) => last(f) < n)) {
    if (Date.now() > until) throw new Error(`instances did not log ${n} records in 20 s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.runIf(PM2)('pm2 stop, cluster mode, 2 instances', () => {
  for (const pkg of ['append-file', 'locked-file']) {
    it(`${pkg}: every record logged before the stop is in the file`, async () => {
      const { dir } = shortTempDir();
      const env = { ...process.env, PM2_HOME: path.join(dir, 'pm2') };
      const pm2 = (...args: string[]) => run(process.execPath, [PM2 as string, ...args], { env });
      onTestFinished(async () => {
        await pm2('kill').catch(() => {});
      });
      const file = path.join(dir, 'app.log');
      await pm2('start', APP, '-i', '2', '--name', 'fanin-signals', '--', pkg, file, dir);
      const sides = [0, 1].map((p) => path.join(dir, `side-${p}`));
      await logged(sides, 2000);
      await pm2('stop', 'fanin-signals');
      const last = sides.map((side) => Number(fs.readFileSync(side, 'utf8')));
      const check = checkLog(
        fs.readFileSync(file, 'utf8'),
        last.map((l) => l + 1),
      );
      expect(summary(check)).toMatchObject({
        ...{ total: (last[0] as number) + (last[1] as number) + 2, torn: 0, duplicates: 0 },
        ...{ missing: 0, outOfOrder: 0, unexpected: 0 },
      });
    }, 30_000);
  }
});
