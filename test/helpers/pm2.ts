import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { onTestFinished } from 'vitest';

const run = promisify(execFile);

/** The real pm2's CLI (npm `pm2`, a devDependency), or undefined when it is not installed. */
export const PM2 = (() => {
  try {
    return createRequire(import.meta.url).resolve('pm2/bin/pm2');
  } catch {
    return undefined;
  }
})();

/**
 * A pm2 of the test's own: its daemon under `<dir>/pm2` (PM2_HOME), killed when the test ends.
 *
 * @example
 * const pm2 = privatePm2(dir); await pm2('start', app, '-i', '2'); await pm2('stop', 'app');
 */
export function privatePm2(dir: string): (...args: string[]) => Promise<unknown> {
  const env = { ...process.env, PM2_HOME: path.join(dir, 'pm2') };
  const pm2 = (...args: string[]) => run(process.execPath, [PM2 as string, ...args], { env });
  onTestFinished(async () => {
    await pm2('kill').catch(() => {});
  });
  return pm2;
}

/** Resolves once every side file holds a sequence number of at least `n` (bounded: 20 s). */
export async function logged(files: string[], n: number): Promise<void> {
  const until = Date.now() + 20_000;
  const last = (f: string) => (fs.existsSync(f) ? Number(fs.readFileSync(f, 'utf8')) : -1);
  while (files.some((f) => last(f) < n)) {
    if (Date.now() > until) throw new Error(`instances did not log ${n} records in 20 s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
