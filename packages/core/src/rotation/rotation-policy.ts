import { constants } from 'node:fs';
import { errnoCode } from '../contract/errors.js';
import type { EmitFileEvent } from '../contract/file-event-emitter.js';
import type { FileDriver, FileInfo } from '../system/file-driver.js';
import type { ExclusiveLock } from './rotation-lock.js';

/** What a file target asks of a rotation policy (by size or by time). */
export interface RotationPolicy {
  /** The path writers append to now. */
  activePath(): string;
  /** Told after each open, with the `fstat` of the new descriptor. */
  opened?(info: FileInfo): void;
  /** Whether the open file must rotate before a batch of `nextBytes`. Cheap: no path lookup. */
  due(open: FileInfo, nextBytes: number): boolean;
  /**
   * Bytes the open file takes before its size limit (0 when full), for policies with one: the
   * file target splits a batch that does not fit at record boundaries and rotates between.
   */
  room?(open: FileInfo): number;
  /** Rotates (if no other process did) and returns the path to open, or `undefined` to go on. */
  rotate(open: FileInfo, nextBytes: number, openPath?: string): string | undefined;
  /** Where the policy tells the file events it causes (new, rotate, archive, removed). */
  listen?(emit: EmitFileEvent): void;
  /** At first open: finish what a dead process left half done. */
  recover(): void;
  /** Resolves once background work (compression) is done. */
  idle(): Promise<void>;
  /**
   * Waits for the compressions under way and queued, at most `deadlineMs`; at the deadline the
   * one in progress is abandoned cleanly (its temporary removed, the rotated file left whole for
   * the next writer). Resolves to whether everything was done.
   */
  settle(deadlineMs: number): Promise<boolean>;
  readonly counters: { rotations: number; lockTimeouts: number };
}

/** Options that size and time rotation share, in fanin's own names. */
export interface CommonRotationOptions {
  /** Rotated files kept (the active file not counted); `undefined` keeps all. */
  backups?: number;
  /** gzip rotated files in the background (`.gz` appended). @default false */
  compress?: boolean;
  /** log4js `keepFileExt`: `app.1.log` rather than `app.log.1`. @default false */
  keepFileExt?: boolean;
  /** log4js `fileNameSep`. @default '.' */
  fileNameSep?: string;
  /** A rotation lock older than this is taken over. @default 10000 */
  lockStaleMs?: number;
  /** How long a writer waits for another process's rotation before writing on. @default 1000 */
  lockWaitMs?: number;
  /**
   * Accepted for compatibility and no longer used: a rotated file is compressed at once; what a
   * late writer appends is compressed too, or written again by that writer once the file is
   * removed (compressor.ts, removal-mark.ts).
   * @deprecated
   */
  quietMs?: number;
  /** File mode of files created by a rotation and of compressed files. @default 0o666 */
  mode?: number;
  /** Told of a compression that failed (the rotated file is kept uncompressed). */
  onError?: (err: Error) => void;
  /** The lock that serializes rotations; a locked-file writer passes its own. @default RotationLock */
  lock?: ExclusiveLock;
}

/** Flags a rotation creates the next active file with. */
export const CREATE = constants.O_CREAT | constants.O_WRONLY | constants.O_APPEND;

/** Whether `a` is the file `b` describes (device and inode). */
export const same = (a: FileInfo | undefined, b: FileInfo) =>
  !!a && a.ino === b.ino && a.dev === b.dev;

/**
 * Removes `p`; a file already gone (another process's retention) is not an error. Returns
 * whether this call removed it.
 */
export function unlinkIfPresent(driver: FileDriver, p: string): boolean {
  try {
    driver.unlink(p);
    return true;
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
    return false;
  }
}
