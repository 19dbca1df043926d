import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/processes.js';
import { expectSurvivorsWhole, killWriters, type SurvivorReport } from './kill-writers.js';

// fanin #14: SIGKILL through the winston and log4js adapters, not only the framework-free
// writers: 4 processes logging through winston (a printf format) or log4js (messagePassThrough),
// one SIGKILLed every 50-150 ms and replaced. 100 B .. 64 KB records, one a millisecond each.
const SIZES = [100, 8000, 300, 64_000, 1000, 3000].join(',');
// Kills until 4 writers were killed, at most 15 s (a writer starting winston or log4js on a
// loaded machine takes a second or more to be ready, and only ready ones are killed).
const KILLS = 4;
const KILL_FOR_MS = 15_000;

const CASES = [
  ['append', 'winston'],
  ['locked', 'winston'],
  ['async', 'winston'],
  ['ipc', 'winston'],
  ['append', 'log4js'],
  ['locked', 'log4js'],
  ['ipc', 'log4js'],
] as const;

describe('fault: SIGKILL through the winston and log4js adapters', () => {
  for (const [transport, front] of CASES) {
    it(`${front} + ${transport}: survivors lose nothing, damaged records at most the killed writers' own tears`, async () => {
      const dir = tempDir();
      const file = path.join(dir, 'app.log');
      // ipc: the processes elect one writer on a socket beside the log; a SIGKILLed writer's
      // unacknowledged batches are resent by every peer (counted in stats().ipc.resent).
      const ipc = transport === 'ipc' ? { via: { socket: path.join(dir, 'ipc.sock') } } : {};
      const r = await killWriters({
        file,
        sizes: SIZES,
        durationMs: KILL_FOR_MS,
        kills: KILLS,
        intervalMs: 1,
        options: { transport, front, ...ipc },
      });
      const resent = (report: SurvivorReport) => report.stats.ipc?.resent ?? 0;
      expectSurvivorsWhole(
        `sigkill ${front} + ${transport}`,
        r,
        transport === 'ipc' ? resent : undefined,
      );
      expect(r.killed.size).toBeGreaterThanOrEqual(3);
    }, 40_000);
  }
});
