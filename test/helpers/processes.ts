import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, onTestFinished } from 'vitest';

const FIXTURES = fileURLToPath(new URL('../fixtures', import.meta.url));

/** The counters a fixture sends over IPC once its logger is closed. */
export interface FixtureReport {
  kind: 'done';
  /** Records the fixture logged (its last sequence number + 1). */
  records: number;
  /** `stats()` of the fanin writer underneath, after close. */
  stats?: { records: number; dropped: { total: number }; reopenings: number; rotations?: number };
}

/** A forked fixture: the child, the IPC messages it sent, and how it exited. */
export interface Forked {
  child: ChildProcess;
  messages: unknown[];
  /** What the child wrote to stderr, when forked `quiet`. */
  stderr: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Forks `test/fixtures/<name>.cjs` with an IPC channel; stdout and stderr go to the test's
 * output so a fixture's crash is visible, unless `quiet` (a crash on purpose): then stderr is
 * kept in `stderr`. `stdout` may be a descriptor to hand the child as its standard output;
 * `options` are added to the fanin options the fixture opens its log with; `user` (uid, gid)
 * runs it as another user (helpers/unprivileged.ts).
 * The child is killed if the test ends before it does.
 *
 * @example
 * const f = forkFixture('append-writer', ['writer', file, '0', '10,0,0']);
 * expect(await f.exited).toEqual({ code: 0, signal: null });
 */
export function forkFixture(
  name: string,
  args: string[],
  {
    quiet = false,
    stdout = 'inherit' as 'inherit' | number,
    options = {},
    user = {} as { uid?: number; gid?: number },
  } = {},
): Forked {
  const child = fork(path.join(FIXTURES, `${name}.cjs`), args, {
    stdio: ['ignore', stdout, quiet ? 'pipe' : 'inherit', 'ipc'],
    env: { ...process.env, FANIN_TEST_OPTIONS: JSON.stringify(options) },
    ...user,
  });
  const messages: unknown[] = [];
  const stderr: string[] = [];
  child.on('message', (m) => messages.push(m));
  child.stderr?.setEncoding('utf8').on('data', (text: string) => stderr.push(text));
  // 'close', not 'exit': by then stderr has been read to its end.
  const exited = endOf(child, 'close');
  return { child, messages, stderr, exited };
}

/**
 * How `child` ends, at its `event` ('close' once its pipes are read to the end, 'exit' at once);
 * the child is SIGKILLed if the test ends first, so that no test leaves a process behind.
 *
 * @example
 * const exited = endOf(spawn('node', [script]), 'close');
 */
export function endOf(
  child: ChildProcess,
  event: 'close' | 'exit',
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return once(child, event).then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));
}

/** Resolves with the first message of `kind` the fixture sent (or sends), or rejects if it exits first. */
export function messageOf(f: Forked, kind: string): Promise<unknown> {
  const matches = (m: unknown) => (m as { kind?: unknown } | null)?.kind === kind;
  const sent = f.messages.find(matches);
  if (sent !== undefined) return Promise.resolve(sent);
  return new Promise((resolve, reject) => {
    const onMessage = (m: unknown) => {
      if (!matches(m)) return;
      f.child.off('exit', onExit);
      resolve(m);
    };
    const onExit = () => {
      f.child.off('message', onMessage);
      reject(new Error(`fixture pid ${f.child.pid} exited before sending "${kind}"`));
    };
    f.child.on('message', onMessage);
    f.child.once('exit', onExit);
  });
}

/**
 * Waits for `wait`, but fails at once, naming the fixture and its exit code, if any fixture
 * exits first: for waits that need the fixtures alive (a crashed fixture would otherwise show
 * only as the wait's timeout).
 */
export async function whileAlive<T>(forked: Forked[], wait: Promise<T>): Promise<T> {
  let fail: (err: Error) => void = () => {};
  const died = new Promise<never>((_, reject) => {
    fail = reject;
  });
  const onExit = (f: Forked) => () =>
    fail(
      new Error(
        `fixture pid ${f.child.pid} exited (${f.child.exitCode ?? f.child.signalCode}) too early`,
      ),
    );
  const listeners = forked.map((f) => {
    const listener = onExit(f);
    if (f.child.exitCode !== null || f.child.signalCode !== null) listener();
    else f.child.once('exit', listener);
    return listener;
  });
  try {
    return await Promise.race([wait, died]);
  } finally {
    for (const [i, f] of forked.entries()) f.child.off('exit', listeners[i] as () => void);
  }
}

/**
 * A start barrier: waits until every fixture sent `ready` (its logger is open), then tells them
 * all to `go`, so that they write at the same time instead of one after another.
 */
export async function startTogether(forked: Forked[]): Promise<void> {
  await Promise.all(forked.map((f) => messageOf(f, 'ready')));
  for (const f of forked) f.child.send('go');
}

/** Waits for every fixture to exit and asserts that each ended with code 0, not by a signal. */
export async function expectCleanExits(forked: Forked[]): Promise<void> {
  const exits = await Promise.all(forked.map((f) => f.exited));
  expect(exits).toEqual(forked.map(() => ({ code: 0, signal: null })));
}

/** The `done` report a fixture sent before exiting. */
export function reportOf(f: Forked): FixtureReport {
  const report = f.messages.find((m) => (m as FixtureReport | null)?.kind === 'done');
  if (!report) throw new Error(`fixture pid ${f.child.pid} exited without a report`);
  return report as FixtureReport;
}

/** A fresh directory under the system temp dir, removed when the test ends. */
export function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fanin-test-'));
  onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * How `child` ended, or `{ code: null, signal: 'SIGKILL' }` when it had not ended by itself
 * within `hangMs` (then it is killed: a process that never ends fails its test instead of
 * hanging the run).
 */
export async function exitOnItsOwn(
  child: ChildProcess,
  hangMs: number,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const hang = setTimeout(() => child.kill('SIGKILL'), hangMs);
  const [code, signal] = await once(child, 'exit');
  clearTimeout(hang);
  return { code, signal };
}

/**
 * Whether this machine lets a test start a process as PID 1 of a new PID namespace (root, or user
 * namespaces): `unshare --pid --fork --mount-proc`, as a container's init runs.
 */
export function canUnshare(): boolean {
  try {
    execFileSync('unshare', ['--pid', '--fork', '--mount-proc', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
