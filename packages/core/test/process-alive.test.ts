import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { processAlive, procStat } from '../src/system/process-alive.js';

// A real zombie: `sleep 0` started in the background by a shell that then becomes `sleep 5`
// (exec), which never waits for children: once `sleep 0` ends it stays a zombie until
// `sleep 5` ends.
async function zombie(): Promise<{ pid: number; stop: () => void }> {
  const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 5'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const pid = await new Promise<number>((resolve) =>
    parent.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))),
  );
  // Until the kernel says so: the child has ended and is not reaped.
  while (procStat(pid)?.[0] !== 'Z') await new Promise((r) => setImmediate(r));
  return { pid, stop: () => parent.kill('SIGKILL') };
}

describe('processAlive', () => {
  it('this process is alive; a process that ended and was reaped is not', () => {
    expect(processAlive(process.pid)).toBe(true);
    const done = spawnSync('true');
    expect(processAlive(done.pid as number)).toBe(false);
  });

  it.skipIf(!fs.existsSync('/proc/self/stat'))(
    'a zombie (killed, not yet reaped) is not alive, though kill(pid, 0) still succeeds',
    async () => {
      const z = await zombie();
      try {
        expect(() => process.kill(z.pid, 0)).not.toThrow();
        expect(processAlive(z.pid)).toBe(false);
      } finally {
        z.stop();
      }
    },
  );
});
