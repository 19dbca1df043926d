import { fork } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WriterStats } from '@fanin/core';
import { describe, expect, it, onTestFinished } from 'vitest';

// The fixture runs the built package (dist), as an application would load it.
const FIXTURE = fileURLToPath(new URL('../../../test/fixtures/locked-exit.cjs', import.meta.url));
const RECORDS = 2000;

/** What test/fixtures/locked-exit.cjs saved in <file>.json. */
interface Saved {
  stats: WriterStats;
  closed?: { written: number; abandoned: number; timedOut: boolean };
  exitMs?: number;
}

/** The records the fixture logs, as they must appear in the file: 20-byte lines, one of 1 MiB. */
function expectedText(from = 0): string {
  let text = '';
  for (let i = from; i < RECORDS; i++) {
    text += `${`r${i}`.padEnd((i === RECORDS >> 1 ? 1024 * 1024 : 20) - 1, '.')}\n`;
  }
  return text;
}

/** Runs the fixture to its end; the child is killed if the test ends first. */
async function run(how: string, file: string, lockTimeoutMs = 1000) {
  const child = fork(FIXTURE, [how, file, String(RECORDS), String(lockTimeoutMs)], {
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
  });
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (t: string) => {
    stderr += t;
  });
  const started = Date.now();
  const [code, signal] = await once(child, 'close');
  const saved = fs.existsSync(`${file}.json`)
    ? (JSON.parse(fs.readFileSync(`${file}.json`, 'utf8')) as Saved)
    : undefined;
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
  return { code, signal, stderr, saved, text, ms: Date.now() - started };
}

function logPath(...sub: string[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fanin-locked-exit-'));
  onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, ...sub, 'app.log');
}

/**
 * The fixture exited cleanly with every record in the file, whole, once, in order, none dropped,
 * and the lock counters as `lock` says.
 */
function expectEveryRecord(r: Awaited<ReturnType<typeof run>>, lock: Record<string, number>) {
  expect({ code: r.code, signal: r.signal, stderr: r.stderr }).toEqual({
    code: 0,
    signal: null,
    stderr: '',
  });
  expect(r.text === expectedText(), 'every record, whole, once, in order').toBe(true);
  expect(r.saved?.stats).toMatchObject({
    records: RECORDS,
    queueDepth: 0,
    dropped: { total: 0 },
    lock,
  });
}

describe('locked-file at process exit', () => {
  it('process.exit(0) right after logging: the exit flush writes everything under the lock', async () => {
    const file = logPath();
    const r = await run('exit-free', file);
    expectEveryRecord(r, { busy: 0, exitBypasses: 0 });
    // At least the exit flush took the lock (the 1 MiB record also sets off a drain inline).
    expect(r.saved?.stats.lock?.acquired).toBeGreaterThanOrEqual(1);
    expect(fs.existsSync(`${file}.lock`), 'the lock is released').toBe(false);
  });

  it('process.exit(0) while another process holds the lock: after lockTimeoutMs it writes anyway, counted', async () => {
    const file = logPath();
    const r = await run('exit-busy', file, 300);
    expectEveryRecord(r, { acquired: 0, exitBypasses: 1 });
    expect(r.saved?.stats.lock?.busy).toBeGreaterThanOrEqual(1);
    // The exit flush waited for the lock for lockTimeoutMs, and not much longer.
    expect(r.saved?.exitMs).toBeGreaterThanOrEqual(300);
    expect(r.saved?.exitMs).toBeLessThan(2000);
    expect(fs.existsSync(`${file}.lock`), "the other holder's lock is left alone").toBe(true);
  });

  // Regression: close() used to wait on unref()ed timers, so the process exited inside it and
  // the exit hook wrote without the lock.
  it('await close() keeps the process alive while it waits for the lock, up to its timeout', async () => {
    const file = logPath();
    const r = await run('close-busy', file, 300);
    expect(r.code).toBe(0);
    expect(r.saved?.closed).toEqual({ written: 0, abandoned: RECORDS, timedOut: true });
    expect(r.saved?.stats.lock?.exitBypasses).toBe(0);
  });

  it('lazy: true into a directory that does not exist yet: created at the first write, no crash', async () => {
    const file = logPath('not', 'yet');
    const r = await run('lazy-missing-dir', file);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.text === expectedText()).toBe(true);
    expect(r.saved?.closed).toMatchObject({ abandoned: 0, timedOut: false });
    expect(r.saved?.stats).toMatchObject({ records: RECORDS, dropped: { total: 0 } });
  });

  it('the log directory removed while running: recreated at the next batch, no crash', async () => {
    const file = logPath('logs');
    const r = await run('dir-removed', file);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    // The first half went with the removed directory; the second half is in the new file.
    expect(r.text === expectedText(RECORDS >> 1)).toBe(true);
    expect(r.saved?.closed).toMatchObject({ abandoned: 0, timedOut: false });
    expect(r.saved?.stats).toMatchObject({ records: RECORDS, reopenings: 1 });
  });
});
