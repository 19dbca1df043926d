import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { checkLog, summary } from './helpers/check-log.js';
import { shortTempDir } from './helpers/ipc.js';
import { canUnshare } from './helpers/processes.js';

// Node as PID 1 (a container started without --init): the kernel does not deliver a signal
// whose action is the default to init (kill(2)), so without a handler `docker stop` waits 10 s
// and SIGKILLs. fanin's listener turns SIGTERM/SIGINT into a flush and exit(128 + signal).

/** The signal-writer fixture as PID 1 of a new PID namespace (unshare forks it and waits). */
function forkAsInit(args: string[]): { child: ChildProcess; exited: Promise<unknown> } {
  const child = fork(
    fileURLToPath(new URL('./fixtures/signal-writer.cjs', import.meta.url)),
    args,
    {
      execPath: 'unshare',
      // --kill-child: if the test kills unshare, the fixture (which logs forever) goes too.
      execArgv: ['--pid', '--fork', '--mount-proc', '--kill-child', process.execPath],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const exited = once(child, 'close').then(([code, signal]) => ({ code, signal }));
  return { child, exited };
}

describe.runIf(canUnshare())('Node as PID 1 with no handler of its own', () => {
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    it(`${sig} from outside: every record written, exit status ${sig === 'SIGTERM' ? 143 : 130}`, async () => {
      const { dir } = shortTempDir();
      const [file, side] = [path.join(dir, 'app.log'), path.join(dir, 'side')];
      const f = forkAsInit(['append-file', 'winston', file, side, 'burst', 'none', sig]);
      await once(f.child, 'message');
      // unshare's only child is the fixture, PID 1 inside its namespace.
      const init = fs.readFileSync(`/proc/${f.child.pid}/task/${f.child.pid}/children`, 'utf8');
      process.kill(Number(init.trim()), sig);
      expect(await f.exited).toEqual({ code: sig === 'SIGTERM' ? 143 : 130, signal: null });
      const last = Number(fs.readFileSync(side, 'utf8'));
      expect(summary(checkLog(fs.readFileSync(file, 'utf8'), [last + 1]))).toMatchObject({
        ...{ total: last + 1, torn: 0, duplicates: 0, missing: 0, unexpected: 0 },
      });
    });
  }
});
