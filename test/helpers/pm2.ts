import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { expect, onTestFinished } from 'vitest';
import { checkLog, summary } from './check-log.js';

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

/**
 * The last sequence number each process logged, by process index, from the side files
 * `<dir>/side-<p>` the pm2 fixtures write (-1 for a process that logged nothing yet).
 */
export function lastLogged(dir: string): number[] {
  const last: number[] = [];
  for (const name of fs.readdirSync(dir)) {
    const m = /^side-(\d+)$/.exec(name);
    if (!m) continue;
    const text = fs.readFileSync(path.join(dir, name), 'utf8').trim();
    last[Number(m[1])] = text === '' ? -1 : Number(text);
  }
  return Array.from(last, (l) => l ?? -1);
}

/**
 * Every record each process logged — 0 … `last[p]` for process p — is in `file` once, whole and
 * in order, and nothing else is.
 */
export function expectEveryLoggedRecord(file: string, last: number[]): void {
  const check = checkLog(
    fs.readFileSync(file, 'utf8'),
    last.map((l) => l + 1),
  );
  const total = last.reduce((sum, l) => sum + l + 1, 0);
  expect(summary(check)).toMatchObject({
    ...{ total, torn: 0, duplicates: 0 },
    ...{ missing: 0, outOfOrder: 0, unexpected: 0 },
  });
}

/** Each process's roles in order, from the `<dir>/role-<p>` files (ipc fixtures), by index. */
export function rolesOf(dir: string, processes: number): string[][] {
  return Array.from({ length: processes }, (_, p) => {
    const file = path.join(dir, `role-${p}`);
    if (!fs.existsSync(file)) return [];
    const lines = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
    return lines.map((line) => line.split(' ')[1] as string);
  });
}
