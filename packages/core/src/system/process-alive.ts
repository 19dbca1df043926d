import * as fs from 'node:fs';
import { errnoCode } from '../contract/errors.js';

/**
 * Whether a process with this pid runs on this host: `kill(pid, 0)` succeeds (EPERM: it does, as
 * another user), and it is not a zombie. A process killed by a signal stays a zombie until its
 * parent reaps it, and `kill(pid, 0)` still succeeds on a zombie (kill(2)): a lock, a socket or
 * a spool it left would look held for that long (a loaded CI run saw a forwarder that took over
 * from a SIGKILLed writer leave the writer's spool unshipped). The state is read from
 * /proc/PID/stat (proc(5): the field after the command name); without /proc, kill(2) decides.
 *
 * @example
 * if (!processAlive(ownerPid)) takeOver();
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if (errnoCode(err) !== 'EPERM') return false;
  }
  return !isZombie(pid);
}

function isZombie(pid: number): boolean {
  const state = procStat(pid)?.[0];
  return state === 'Z' || state === 'X';
}

/**
 * The fields of /proc/PID/stat from the 3rd (state) on, so that field N (proc(5), from 1) is at
 * N - 3; split after the command name, which may hold spaces and parentheses. Undefined where
 * /proc has no answer (the process is gone, or not Linux).
 */
export function procStat(pid: number | 'self'): string[] | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}
