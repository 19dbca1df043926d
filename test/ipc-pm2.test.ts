import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { optionError } from '@fanin/core/testing';
import { createIpcWriter } from '@fanin/ipc';
import { describe, expect, it } from 'vitest';
import { shortTempDir } from './helpers/ipc.js';
import { expectEveryLoggedRecord, logged, PM2, privatePm2 } from './helpers/pm2.js';

// ipc with via 'cluster' / 'parent' under a real pm2 (npm `pm2`, its daemon under a temporary
// PM2_HOME, killed after). The cluster primary / fork parent is pm2's daemon, which never
// answers: before #19 records waited connectTimeoutMs (3 s) for it and died with the process
// when pm2 stopped the app first (9,480 of 9,600 lost when stopped at 0.5 s). Now the
// instances elect a writer on a private socket of the app at once. `pm2 stop` (SIGINT, SIGKILL
// 1.6 s later) comes once every instance logged 200 records (~5 ms of logging), well inside
// the 3 s a connect would wait; or, with connectTimeoutMs left at its 3 s, 3.5 s after that,
// past it. A `pm2 stop` stops the socket writer together with its forwarders: what a forwarder
// had in flight to the dying writer must be written once, by one of them (#19: before, 110 lost
// and 10 duplicated under reload and stop).
const APP = fileURLToPath(new URL('./fixtures/ipc-pm2-app.cjs', import.meta.url));

const CASES = [
  { via: 'cluster', instances: 2, handler: 'none', afterMs: 0 },
  { via: 'cluster', instances: 2, handler: 'end', afterMs: 0 },
  { via: 'parent', instances: 1, handler: 'none', afterMs: 0 },
  { via: 'cluster', instances: 4, handler: 'none', afterMs: 3500 },
  { via: 'cluster', instances: 2, handler: 'end', afterMs: 3500 },
  { via: 'parent', instances: 1, handler: 'none', afterMs: 3500 },
  { via: 'pm2', instances: 2, handler: 'none', afterMs: 0 },
  { via: 'pm2', instances: 1, handler: 'none', afterMs: 0 },
] as const;

/** The errors instance `p` reported through onError, as "<code> <message>" lines. */
function errorsOf(dir: string, p: number): string[] {
  const file = path.join(dir, `errors-${p}`);
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

describe.runIf(PM2)('ipc under pm2: pm2 stop while a channel writer would still be awaited', () => {
  for (const { via, instances, handler, afterMs } of CASES) {
    const mode = instances > 1 ? `cluster mode, ${instances} instances` : 'fork mode';
    const when = afterMs === 0 ? 'at once' : `${afterMs} ms later`;
    it(`via '${via}', ${mode}, app SIGINT handler: ${handler}, stopped ${when}: nothing logged is lost`, async () => {
      const { dir } = shortTempDir();
      const pm2 = privatePm2(dir);
      const file = path.join(dir, 'app.log');
      const name = `fanin-ipc-${via}-${handler}`;
      const scale = instances > 1 ? ['-i', String(instances)] : [];
      const connect = afterMs === 0 ? '60000' : 'default';
      await pm2('start', APP, ...scale, '--name', name, '--', via, file, dir, handler, connect);
      const sides = Array.from({ length: instances }, (_, p) => path.join(dir, `side-${p}`));
      await logged(sides, 200);
      // The moment of the stop is the case itself (past connectTimeoutMs), not a wait for a state.
      if (afterMs > 0) await new Promise((resolve) => setTimeout(resolve, afterMs));
      await pm2('stop', name);
      expectEveryLoggedRecord(
        file,
        sides.map((side) => Number(fs.readFileSync(side, 'utf8'))),
      );
      // 'cluster' and 'parent' are re-routed with one warning naming the fix; 'pm2' asked for it.
      for (let p = 0; p < instances; p++) {
        const errors = errorsOf(dir, p);
        if (via === 'pm2') expect(errors).toEqual([]);
        else {
          expect(errors).toHaveLength(1);
          expect(errors[0]).toMatch(/^ERR_FANIN_OPTION .*pm2's daemon.*via: 'pm2'/);
        }
      }
      // 4 instances logging for 3.5 s: ~600,000 records to check; 47 s seen at load average 15.
    }, 120_000);
  }
});

describe("ipc via: 'pm2' outside pm2", () => {
  it('is refused at once, with an error naming the option and what to use instead', () => {
    const { dir } = shortTempDir();
    const filename = path.join(dir, 'app.log');
    const err = optionError(() => createIpcWriter({ filename, via: 'pm2' }));
    expect(err).toMatchObject({ code: 'ERR_FANIN_OPTION', option: 'via' });
    expect(err.message).toMatch(/via: 'pm2' needs a process started by pm2.*\{ socket/);
  });
});
