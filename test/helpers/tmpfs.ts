import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { onTestFinished } from 'vitest';
import { isRoot } from './unprivileged.js';

/** A real, small tmpfs mounted for one test; unmounted (and its directory removed) when the test ends. */
export interface Tmpfs {
  /** The mount point. */
  dir: string;
  /** Its size in bytes, as mounted. */
  bytes: number;
  /**
   * Fills the file system with a filler file until a write fails with ENOSPC, then gives back
   * `leave` bytes of it; returns the filler's size. A writer then hits ENOSPC for real.
   */
  fill(leave?: number): number;
  /** Removes the filler: the space is back. */
  free(): void;
}

/**
 * Why {@link mountTmpfs} cannot work here (not root, not Linux, mount refused), or `undefined`.
 * For `describe.skipIf(…)` with the reason printed in the test's name.
 */
export const tmpfsUnavailable: string | undefined = probeTmpfs();

function probeTmpfs(): string | undefined {
  if (process.platform !== 'linux') return 'tmpfs faults need Linux';
  if (!isRoot) return 'mounting a tmpfs needs root (CI runs as root)';
  return undefined;
}

/**
 * Mounts a fresh tmpfs of `bytes` (`mount -t tmpfs -o size=…`); throws when the mount fails
 * (check {@link tmpfsUnavailable} first). Unmounted when the test ends, lazily if a child
 * still holds a file open on it.
 *
 * @example
 * describe.skipIf(tmpfsUnavailable)(`disk full ${tmpfsUnavailable ?? ''}`, () => {
 *   it('…', () => { const fsys = mountTmpfs(); fsys.fill(); … fsys.free(); });
 * });
 */
export function mountTmpfs(bytes = 2 * 1024 * 1024): Tmpfs {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fanin-tmpfs-'));
  const mounted = spawnSync(
    'mount',
    ['-t', 'tmpfs', '-o', `size=${bytes},mode=0777`, 'tmpfs', dir],
    {
      encoding: 'utf8',
    },
  );
  if (mounted.status !== 0) {
    fs.rmdirSync(dir);
    throw new Error(`mount -t tmpfs on ${dir} failed: ${mounted.stderr || mounted.error}`);
  }
  onTestFinished(() => {
    // -l: a child killed by the test may not have released its descriptor yet.
    spawnSync('umount', ['-l', dir]);
    fs.rmdirSync(dir);
  });
  const filler = path.join(dir, '.filler');
  return {
    dir,
    bytes,
    fill: (leave = 0) => fillUp(filler, leave),
    free: () => fs.rmSync(filler, { force: true }),
  };
}

function fillUp(filler: string, leave: number): number {
  const block = Buffer.alloc(64 * 1024);
  const fd = fs.openSync(filler, 'a');
  let size = fs.fstatSync(fd).size;
  try {
    for (;;) {
      try {
        size += fs.writeSync(fd, block);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
        break;
      }
    }
    // A short write before ENOSPC may leave less than a block: smaller writes take the rest.
    for (let n = 4096; n >= 1; n = n >> 1) {
      try {
        for (;;) size += fs.writeSync(fd, block, 0, n);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
      }
    }
    size = Math.max(0, size - leave);
    fs.ftruncateSync(fd, size);
  } finally {
    fs.closeSync(fd);
  }
  return size;
}
