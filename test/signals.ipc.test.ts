import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkLog, summary } from './helpers/check-log.js';
import { shortTempDir } from './helpers/ipc.js';
import { forkFixture, messageOf } from './helpers/processes.js';

// ipc over a socket: a signal to a forwarder (what it has queued or in flight must reach the
// file before it dies), then to the writer.
describe('ipc socket: SIGTERM to a forwarder, then to the writer', () => {
  for (const mode of ['writer', 'winston', 'log4js'] as const) {
    it(`${mode}: both die of SIGTERM, every record either logged is in the file once`, async () => {
      const { dir } = shortTempDir();
      const file = path.join(dir, 'app.log');
      const sides = [path.join(dir, 'side0'), path.join(dir, 'side1')];
      const start = (p: number) =>
        forkFixture('signal-writer', [
          ...['ipc', mode, file, sides[p] as string, 'burst', 'none', 'SIGTERM', String(p)],
        ]);
      // The first to log 2000 records has long been elected the writer when the second starts.
      const writer = start(0);
      await messageOf(writer, 'logging');
      const forwarder = start(1);
      await messageOf(forwarder, 'logging');
      forwarder.child.kill('SIGTERM');
      expect(await forwarder.exited).toEqual({ code: null, signal: 'SIGTERM' });
      writer.child.kill('SIGTERM');
      expect(await writer.exited).toEqual({ code: null, signal: 'SIGTERM' });
      const last = sides.map((side) => Number(fs.readFileSync(side, 'utf8')));
      const check = checkLog(
        fs.readFileSync(file, 'utf8'),
        last.map((l) => l + 1),
      );
      expect(summary(check)).toMatchObject({
        ...{ total: (last[0] as number) + (last[1] as number) + 2, torn: 0, duplicates: 0 },
        ...{ missing: 0, outOfOrder: 0, unexpected: 0 },
      });
    });
  }
});
