import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkLog, summary } from './helpers/check-log.js';
import { shortTempDir } from './helpers/ipc.js';
import { logged, PM2, privatePm2 } from './helpers/pm2.js';

// A real pm2 (npm `pm2`, its daemon under a temporary PM2_HOME, killed after): cluster mode, 2
// instances logging 200 records every 5 ms, `pm2 stop` (SIGINT to each worker, SIGKILL 1.6 s
// later) once both are logging. With `signals: false` (FANIN_TEST_OPTIONS) the turn queued at the
// signal dies with the process: 200 and 400 of 33,200 and 24,600 records lost (locked-file, by
// hand), 200 of 98,200 (append-file, here); some runs lose none.
const APP = fileURLToPath(new URL('./fixtures/signal-pm2-app.cjs', import.meta.url));

describe.runIf(PM2)('pm2 stop, cluster mode, 2 instances', () => {
  for (const pkg of ['append-file', 'locked-file']) {
    it(`${pkg}: every record logged before the stop is in the file`, async () => {
      const { dir } = shortTempDir();
      const pm2 = privatePm2(dir);
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
