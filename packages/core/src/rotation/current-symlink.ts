import * as path from 'node:path';
import type { FileDriver } from '../system/file-driver.js';
import { unlinkIfPresent } from './rotation-policy.js';

/**
 * Points the symbolic link `name` in the log's directory at the active file, as
 * winston-daily-rotate-file's `createSymlink` does (file-stream-rotator's
 * `createCurrentSymLink`: a relative link to the file's bare name; a non-link already at that
 * name is left alone). The link is made under a temporary name and renamed over the old one, so
 * a reader (`tail -F current.log`) never finds it missing and two processes never fail on
 * EEXIST.
 *
 * @example
 * pointSymlink(nodeFileDriver, '/var/log', 'current.log', '/var/log/app-2026-12-05.log');
 */
export function pointSymlink(driver: FileDriver, dir: string, name: string, active: string): void {
  if (!driver.symlink) return;
  const link = path.join(dir, name);
  // Something else than a link there (a user's own file): file-stream-rotator leaves it too.
  if (driver.stat(link) && !driver.isSymlink?.(link)) return;
  const temp = path.join(dir, `.${name}.${process.pid}.link.tmp`);
  unlinkIfPresent(driver, temp);
  driver.symlink(path.basename(active), temp);
  driver.rename(temp, link);
}
