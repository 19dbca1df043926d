import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { onTestFinished } from 'vitest';

/** True when the tests run as root, as CI does: permissions then never refuse this process. */
export const isRoot = process.getuid?.() === 0;

/** nobody/nogroup on Debian and most Linux systems (uid and gid 65534). */
export const NOBODY = { uid: 65534, gid: 65534 } as const;

/**
 * Spawn options that run a child as an unprivileged user: nobody when this process is root,
 * nothing to add otherwise (the tests already run unprivileged). With `uid`/`gid`, libuv calls
 * setgroups(0, NULL), setgid and setuid in the child before exec — what `setpriv --reuid=65534
 * --regid=65534 --clear-groups` does — so the child has no supplementary group left (and no
 * system package is needed for it).
 *
 * @example
 * const f = forkFixture('open-log', ['writer', file], { user: unprivileged() });
 */
export function unprivileged(): { uid?: number; gid?: number } {
  if (!isRoot) return {};
  reachableByOthers(CHECKOUT);
  return { ...NOBODY };
}

// This checkout (test/helpers/ is two levels down): the fixtures and node_modules live there.
const CHECKOUT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// The unprivileged child must reach this checkout's fixtures and node_modules. A clone under a
// `mktemp -d` folder (mode 0700, as a fresh CI clone may be) is out of its reach: grant
// traverse (o+x; not read, not write) on each ancestor folder that lacks it.
function reachableByOthers(dir: string): void {
  for (let d = dir; ; d = path.dirname(d)) {
    const mode = fs.statSync(d).mode & 0o7777;
    if ((mode & 0o001) === 0) fs.chmodSync(d, mode | 0o001);
    if (path.dirname(d) === d) return;
  }
}

/**
 * A fresh directory under the system temp dir that an unprivileged child can reach and write
 * (mode 0777; `mkdtemp` makes 0700), removed when the test ends.
 */
export function sharedTempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fanin-test-'));
  fs.chmodSync(dir, 0o777);
  onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * A directory in `parent` that the unprivileged user can enter but not write: owned by root
 * with mode 0755 when root, mode 0555 otherwise.
 */
export function readOnlyDir(parent: string, name = 'read-only'): string {
  const dir = path.join(parent, name);
  fs.mkdirSync(dir, { mode: 0o755 });
  fs.chmodSync(dir, isRoot ? 0o755 : 0o555);
  // The test's own clean-up must be able to remove what is inside.
  onTestFinished(() => fs.chmodSync(dir, 0o755));
  return dir;
}
