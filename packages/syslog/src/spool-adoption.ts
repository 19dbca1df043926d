import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Spool } from './spool.js';
import { ownerGone } from './spool-owner.js';
import { segOfName } from './spool-pos.js';

/**
 * Takes over the spools under `root` whose owner process is gone (it exited with records not yet
 * acknowledged, or was killed), oldest first. A spool is claimed by renaming its directory: of
 * several new processes that find the same orphan, exactly one rename succeeds (rename(2) is
 * atomic), and the winner writes itself as the new owner. A dead owner's pid reused by a live
 * process (a container's next run) is told apart by the process's start time (spool-owner.ts).
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
    if (!ownerGone(dir)) continue;
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
    if (segOfName(name) !== undefined) total += fs.statSync(path.join(dir, name)).size;
  }
  return total;
}
