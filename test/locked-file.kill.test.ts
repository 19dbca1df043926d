import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { checkLog, expectWholeLog } from './helpers/check-log.js';

const FIXTURES = fileURLToPath(new URL('./fixtures', import.meta.url));

interface LockStats {
  acquired: number;
  busy: number;
  takeovers: number;
  compromised: number;
  exitBypasses: number;
}

interface Message {
  kind?: string;
  records?: number;
  stats?: { records: number; dropped: { total: number }; lock: LockStats };
}

interface Child {
  child: ChildProcess;
  messages: Message[];
  exited: Promise<[number | null, NodeJS.Signals | null]>;
}

/** Forks `test/fixtures/<name>.cjs` with IPC; killed if the test ends before it does. */
function forkFixture(name: string, args: string[], options: Record<string, unknown> = {}): Child {
  const child = fork(path.join(FIXTURES, `${name}.cjs`), args, {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, FANIN_TEST_OPTIONS: JSON.stringify(options) },
  });
  const messages: Message[] = [];
  child.on('message', (m) => messages.push(m as Message));
  const exited = once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>;
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { child, messages, exited };
}

/** The first message of `kind` the child sent (or sends); rejects if it exits first. */
function messageOf(c: Child, kind: string): Promise<Message> {
  const sent = c.messages.find((m) => m.kind === kind);
  if (sent) return Promise.resolve(sent);
  return new Promise((resolve, reject) => {
    const onMessage = (m: Message) => {
      if (m.kind !== kind) return;
      c.child.off('exit', onExit);
      resolve(m);
    };
    const onExit = () => reject(new Error(`fixture ${c.child.pid} exited before "${kind}"`));
    c.child.on('message', onMessage);
    c.child.once('exit', onExit);
  });
}

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fanin-locked-kill-'));
  onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const STALE_MS = 2000; // proper-lockfile's floor
const MODES = ['writer', 'winston', 'log4js'] as const;
const DURING = 300;
const AFTER = 300;

describe('@fanin/locked-file: the lock holder is killed with SIGKILL', () => {
  it(`${MODES.length} survivors (${MODES.join(', ')}) wait, take the stale lock over after lockStaleMs ${STALE_MS}, and lose nothing`, async () => {
    const dir = tempDir();
    const file = path.join(dir, 'app.log');
    const holder = forkFixture('locked-holder', [file, String(STALE_MS)]);
    await messageOf(holder, 'holding');
    expect(fs.statSync(`${file}.lock`).isDirectory()).toBe(true);

    const survivors = MODES.map((mode, p) =>
      forkFixture('locked-survivor', [mode, file, String(p), String(DURING), String(AFTER)], {
        lockStaleMs: STALE_MS,
      }),
    );
    await Promise.all(survivors.map((s) => messageOf(s, 'ready')));
    for (const s of survivors) s.child.send('during');
    // Each logged its records and found the lock busy: they are queued, none written.
    const waiting = await Promise.all(survivors.map((s) => messageOf(s, 'waiting')));
    for (const w of waiting) {
      expect(w.stats?.lock.busy).toBeGreaterThan(0);
      expect(w.stats?.records).toBe(0);
    }
    expect(fs.readFileSync(file, 'utf8')).toBe('');

    holder.child.kill('SIGKILL');
    expect(await holder.exited).toEqual([null, 'SIGKILL']);
    const killedAt = Date.now();
    // The dead holder's lock stays; its last refresh is its mtime.
    const lastRefresh = fs.statSync(`${file}.lock`).mtimeMs;
    for (const s of survivors) s.child.send('after');
    // The first record reaches the file once the lock is stale, not before.
    await vi.waitFor(() => expect(fs.statSync(file).size).toBeGreaterThan(0), {
      timeout: 10_000,
      interval: 10,
    });
    expect(Date.now() - lastRefresh).toBeGreaterThanOrEqual(STALE_MS);

    const exits = await Promise.all(survivors.map((s) => s.exited));
    expect(exits).toEqual(survivors.map(() => [0, null]));
    const reports = survivors.map((s) => s.messages.find((m) => m.kind === 'done'));
    for (const r of reports) {
      expect(r?.records).toBe(DURING + AFTER);
      expect(r?.stats).toMatchObject({
        records: DURING + AFTER,
        dropped: { total: 0 },
        lock: { compromised: 0, exitBypasses: 0 },
      });
    }
    // The takeover: the first write came only once the dead holder's lock was stale, exactly
    // a survivor took it over (counted), and the lock is gone at the end.
    const takeovers = reports.reduce((n, r) => n + (r?.stats?.lock?.takeovers ?? 0), 0);
    expect(takeovers).toBeGreaterThanOrEqual(1);

    const check = checkLog(fs.readFileSync(file, 'utf8'), Array(MODES.length).fill(DURING + AFTER));
    expectWholeLog(check, MODES.length * (DURING + AFTER));
    expect(fs.existsSync(`${file}.lock`), 'the last holder released the lock').toBe(false);
    expect(Date.now() - killedAt).toBeLessThan(15_000);
  });
});
