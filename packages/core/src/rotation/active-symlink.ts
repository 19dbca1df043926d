import * as fs from 'node:fs';
import * as path from 'node:path';
import { errnoCode } from '../contract/errors.js';

/**
 * A symlink in the log's directory that names the active file (winston-daily-rotate-file's
 * `createSymlink` + `symlinkName`, default `current.log`), with a relative target (the active
 * file's bare name), as file-stream-rotator's `createCurrentSymLink` makes it. It is replaced
 * atomically: a new link is made under a temporary name and renamed over the old one
 * (rename(2) replaces the name in one step), so a reader (`tail -F current.log`) never finds the
 * name missing, where unlink-then-symlink leaves a moment without it. A file of that name that
 * is not a symlink is left alone, as file-stream-rotator leaves it.
 *
 * Called by the process that made the active file (under the rotation lock), so that links of
 * several processes do not race.
 *
 * @example
 * new ActiveSymlink('/var/log/app', 'current.log').point('/var/log/app/app-2026-12-05.log');
 */
export class ActiveSymlink {
  readonly path: string;

  constructor(dir: string, name: string) {
    this.path = path.join(dir, name);
  }

  /**
   * Points the link at `active` (a file in the same directory). Returns false, and changes
   * nothing, when a file that is not a symlink has the link's name.
   */
  point(active: string): boolean {
    const target = path.basename(active);
    const now = fs.lstatSync(this.path, { throwIfNoEntry: false });
    if (now && !now.isSymbolicLink()) return false;
    if (now && fs.readlinkSync(this.path) === target) return true;
    const tmp = path.join(
      path.dirname(this.path),
      `.${path.basename(this.path)}.${process.pid}.tmp`,
    );
    try {
      fs.unlinkSync(tmp);
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
    }
    fs.symlinkSync(target, tmp);
    try {
      fs.renameSync(tmp, this.path);
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      throw err;
    }
    return true;
  }
}
