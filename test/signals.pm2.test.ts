import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { shortTempDir } from './helpers/ipc.js';
import {
  expectEveryLoggedRecord as expectLoggedIn,
  lastLogged,
  logged,
  PM2,
  privatePm2,
  rolesOf,
} from './helpers/pm2.js';

// A real pm2 (npm `pm2`, its daemon under a temporary PM2_HOME, killed after): cluster mode, 2
// instances logging 200 records every 5 ms through each transport's winston transport (ipc with
// via 'cluster', which under pm2 elects its writer among the instances on a private socket).
// `pm2 stop` sends SIGINT to each worker and SIGKILL 1.6 s later. With `signals: false`
// (FANIN_TEST_OPTIONS) the turn queued at the signal dies with the process: 200 and 400 of
// 33,200 and 24,600 records lost (locked-file, by hand), 200 of 98,200 (append-file); some runs
// lose none. Each process numbers its records under its own index (the fixture claims the first
// free side file), so that an instance and its replacement during a reload never share one.
const APP = fileURLToPath(new URL('./fixtures/signal-pm2-app.cjs', import.meta.url));
const PACKAGES = ['append-file', 'locked-file', 'async-queue', 'ipc'] as const;

const sides = (dir: string, ps: number[]) => ps.map((p) => path.join(dir, `side-${p}`));

/** Every record each process logged (its side file) is in the file once, whole, in order. */
function expectEveryLoggedRecord(dir: string, file: string, processes: number): void {
  const last = lastLogged(dir);
  expect(last).toHaveLength(processes);
  expectLoggedIn(file, last);
}

describe.runIf(PM2)('pm2 stop, cluster mode, 2 instances', () => {
  for (const pkg of ['append-file', 'locked-file', 'async-queue'] as const) {
    it(`${pkg}: every record logged before the stop is in the file`, async () => {
      const { dir } = shortTempDir();
      const pm2 = privatePm2(dir);
      const file = path.join(dir, 'app.log');
      await pm2('start', APP, '-i', '2', '--name', 'fanin-signals', '--', pkg, file, dir);
      await logged(sides(dir, [0, 1]), 2000);
      await pm2('stop', 'fanin-signals');
      expectEveryLoggedRecord(dir, file, 2);
    }, 30_000);
  }
});

// `pm2 reload` replaces the instances one at a time: it starts the new one, waits for it to
// listen (this app never does: `--listen-timeout 500` bounds the wait), then stops the old one
// as `pm2 stop` would, while the new one logs. Then `pm2 stop` stops the two new ones together.
describe.runIf(PM2)('pm2 reload, then pm2 stop, cluster mode, 2 instances', () => {
  for (const pkg of PACKAGES) {
    it(`${pkg}: every record of the 4 processes is in the file once, in order`, async () => {
      const { dir } = shortTempDir();
      const pm2 = privatePm2(dir);
      const file = path.join(dir, 'app.log');
      const name = `fanin-reload-${pkg}`;
      const start = ['start', APP, '-i', '2', '--name', name, '--listen-timeout', '500'];
      await pm2(...start, '--', pkg, file, dir);
      await logged(sides(dir, [0, 1]), 2000);
      await pm2('reload', name);
      await logged(sides(dir, [2, 3]), 2000);
      await pm2('stop', name);
      expectEveryLoggedRecord(dir, file, 4);
      if (pkg !== 'ipc') return;
      // The writer was one of the first two instances; both were replaced: a forwarder that
      // outlived it went on with a new writer (elected among the survivors), not on its own.
      const roles = rolesOf(dir, 4);
      const writers = roles.flatMap((r, p) => (r.includes('writer') ? [p] : []));
      expect(writers.some((p) => p < 2)).toBe(true);
      expect(writers.some((p) => p >= 2)).toBe(true);
      expect(roles.flat()).not.toContain('direct');
    }, 120_000);
  }
});
