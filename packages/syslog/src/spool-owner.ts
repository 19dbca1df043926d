import * as fs from 'node:fs';
import * as path from 'node:path';
import { processAlive, procStat } from '@fanin/core/internal';

/** The file in a spool directory that names the process writing it. */
export const OWNER_FILE = 'owner';

/**
 * Which process this is, beyond its pid: its start time in clock ticks after boot (proc(5),
 * /proc/[pid]/stat field 22) and the boot's id (/proc/sys/kernel/random/boot_id). A pid alone
 * is reused: a container's next run has the same pids (its init is pid 1 again,
 * pid_namespaces(7)), so a spool left by the last run would look owned by a live process, this
 * one included, and never ship. Undefined where /proc has no answer (not Linux): the pid is then
 * all there is.
 */
function identityOf(pid: number | 'self'): string | undefined {
  const starttime = procStat(pid)?.[22 - 3];
  if (!starttime) return undefined;
  try {
    const boot = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'latin1').trim();
    return `${starttime}@${boot}`;
  } catch {
    return undefined;
  }
}

let own: string | undefined | null = null;

/** The owner file's line for this process: `<pid>[ <start ticks>@<boot id>]`. */
export function ownerLine(): string {
  if (own === null) own = identityOf('self');
  return own === undefined ? `${process.pid}\n` : `${process.pid} ${own}\n`;
}

/**
 * Whether the process that owns spool directory `dir` is gone: no process has its pid, or the
 * one that has it now is another (its identity differs from the one the owner file recorded).
 * An owner file without an identity (an older version's, or no /proc) counts by pid only, and
 * then a spool of this process's pid is taken for one of its own writers'. Unreadable: not gone.
 */
export function ownerGone(dir: string): boolean {
  let line: string;
  try {
    line = fs.readFileSync(path.join(dir, OWNER_FILE), 'latin1');
  } catch {
    return false;
  }
  const [pidText, identity] = line.trim().split(' ');
  const pid = Number.parseInt(pidText ?? '', 10);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (identity === undefined) return pid !== process.pid && !processAlive(pid);
  if (pid === process.pid) return identity !== identityOf('self');
  if (!processAlive(pid)) return true;
  const now = identityOf(pid);
  return now !== undefined && now !== identity;
}
