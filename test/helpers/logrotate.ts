import { spawn } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'vitest';

/** The real logrotate binary (scripts/system-deps.sh installs it), or undefined. */
export const LOGROTATE = ['/usr/sbin/logrotate', '/usr/bin/logrotate'].find((p) =>
  fs.existsSync(p),
);

/**
 * Runs logrotate once, forced, on `log` with `directives` (e.g. `['copytruncate', 'rotate 10']`),
 * its state and config in `work`; expects it to succeed with nothing on stderr.
 */
export async function logrotate(work: string, log: string, directives: string[]): Promise<void> {
  const conf = path.join(work, 'logrotate.conf');
  fs.writeFileSync(conf, `${log} {\n${directives.map((d) => `  ${d}\n`).join('')}}\n`);
  const run = spawn(LOGROTATE as string, ['-f', '-s', path.join(work, 'state'), conf], {
    stdio: ['ignore', 'inherit', 'pipe'],
  });
  let stderr = '';
  run.stderr.setEncoding('utf8').on('data', (t: string) => {
    stderr += t;
  });
  const [code] = await once(run, 'close');
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
}
