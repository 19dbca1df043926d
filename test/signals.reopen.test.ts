import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkLog, summary } from './helpers/check-log.js';
import { shortTempDir } from './helpers/ipc.js';
import { forkFixture, messageOf } from './helpers/processes.js';

// SIGHUP as logrotate's postrotate sends it: log4js's file appender reopens its file and goes on
// (#16 item 8); fanin's log4js appenders do the same, and winston transports with reopenOnSignal.

/** Resolves once `file` exists and holds at least one whole line (bounded: 10 s). */
async function lineIn(file: string): Promise<void> {
  const until = Date.now() + 10_000;
  while (Date.now() < until) {
    if (fs.existsSync(file) && fs.readFileSync(file, 'utf8').includes('\n')) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`${file} got no line in 10 s`);
}

const CASES = [
  ['append-file', 'log4js', 'none'],
  ['locked-file', 'log4js', 'none'],
  ['async-queue', 'log4js', 'none'],
  ['append-file', 'winston', 'none-reopen'],
] as const;

describe('SIGHUP after the log was moved away (logrotate without copytruncate)', () => {
  for (const [pkg, mode, handler] of CASES) {
    const how = handler === 'none-reopen' ? 'winston with reopenOnSignal' : mode;
    it(`${pkg} ${how}: keeps running, reopens, loses nothing across the two files`, async () => {
      const { dir } = shortTempDir();
      const [file, side] = [path.join(dir, 'app.log'), path.join(dir, 'side')];
      const args = [pkg, mode, file, side, 'steady', handler, 'SIGTERM'];
      const f = forkFixture('signal-writer', args);
      await messageOf(f, 'logging');
      // async-queue's thread opens the file after the first records are logged: moved once it
      // holds one (a loaded run renamed a file not yet created: ENOENT).
      await lineIn(file);
      fs.renameSync(file, `${file}.1`);
      f.child.kill('SIGHUP');
      await lineIn(file);
      f.child.kill('SIGTERM');
      // It did not die of SIGHUP: it lived on to die of the SIGTERM sent after the new file.
      expect(await f.exited).toEqual({ code: null, signal: 'SIGTERM' });
      const last = Number(fs.readFileSync(side, 'utf8'));
      const rotated = fs.readFileSync(`${file}.1`, 'utf8');
      const both = rotated + fs.readFileSync(file, 'utf8');
      // Every record once, and the new file starts where the moved one stopped.
      expect(summary(checkLog(both, [last + 1]))).toMatchObject({
        ...{ total: last + 1, torn: 0, duplicates: 0 },
        ...{ missing: 0, outOfOrder: 0, unexpected: 0 },
      });
      expect(checkLog(rotated, [last + 1]).total).toBeGreaterThan(0);
    });
  }
});
