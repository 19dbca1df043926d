import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Spool } from './spool.js';

/** True when `pid` names no live process (kill(pid, 0) fails with ESRCH: kill(2)). */
function isDead(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function ownerOf(dir: string): number | undefined {
  try {
    const pid = Number.parseInt(fs.readFileSync(path.join(dir, 'owner'), 'latin1'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes over the spools under `root` whose owner process is gone (it exited with records not yet
 * acknowledged, or was killed), oldest first. A spool is claimed by renaming its directory: of
 * several new processes that find the same orphan, exactly one rename succeeds (rename(2) is
 * atomic), and the winner writes its pid as the new owner. A process whose pid was reused by an
 * unrelated live process keeps its spool until that process ends.
 */
export function adoptOrphans(root: string, segmentBytes: number, mode: number): Spool[] {
  return claimOrphans(root).map((dir) => new Spool(dir, segmentBytes, mode));
}

/**
 * Claims the orphaned spool directories under `root` (see {@link adoptOrphans}) and returns
 * them, oldest first, for a shipper thread to open.
 */
export function claimOrphans(root: string): string[] {
  fs.mkdirSync(root, { recursive: true, mode: 0o700 });
  const found: { dir: string; mtime: number }[] = [];
  for (const name of fs.readdirSync(root)) {
    const dir = path.join(root, name);
    const pid = ownerOf(dir);
    if (pid === undefined || pid === process.pid || !isDead(pid)) continue;
    found.push({ dir, mtime: fs.statSync(dir).mtimeMs });
  }
  found.sort((a, b) => a.mtime - b.mtime);
  const claimedDirs: string[] = [];
  for (const { dir } of found) {
    const claimed = `${dir.replace(/\.adopted-[0-9a-f]+$/, '')}.adopted-${crypto.randomBytes(3).toString('hex')}`;
    try {
      fs.renameSync(dir, claimed);
    } catch {
      continue; // another process claimed it first
    }
    claimedDirs.push(claimed);
  }
  return claimedDirs;
}

/** Bytes of the segment files in spool directory `dir`. */
export function segmentBytesIn(dir: string): number {
  let total = 0;
  for (const name of fs.readdirSync(dir)) {
    if (name.endsWith('.seg')) total += fs.statSync(path.join(dir, name)).size;
  }
  return total;
}
