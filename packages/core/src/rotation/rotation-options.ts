import { isAbsolute } from 'node:path';
import { FaninError, FaninOptionError, warnOnce } from '../contract/errors.js';
import { parseSize } from '../contract/options.js';
import { type AuditFileOptions, auditKeep } from './audit-file.js';
import { DatePattern } from './date-pattern.js';
import type { ExclusiveLock } from './rotation-lock.js';
import type { RotationNaming } from './rotation-naming.js';
import type { SizeRotationOptions } from './size-rotation.js';
import type { TimeRotationOptions } from './time-rotation.js';

/**
 * The flat writer options that rotation reads, documented here once: `FileWriterOptions`
 * extends them (declared on this side so that rotation does not import the writer that builds
 * on it).
 */
export interface RotationWriterOptions {
  filename?: string;
  mode?: number;
  /** Rotate before a write would take the file past this size ("10M" accepted). Off when absent. */
  maxBytes?: number | string;
  /** Rotated files kept, the active file not counted. @default all (5 under log4js) */
  backups?: number;
  /** gzip rotated files in the background. @default false */
  compress?: boolean;
  /** How rotated files are named. @default 'log4js' (`app.log.1`) */
  rotationNaming?: RotationNaming;
  /** log4js `keepFileExt`. @default false */
  keepFileExt?: boolean;
  /** log4js `fileNameSep`. @default '.' */
  fileNameSep?: string;
  /** A rotation lock older than this (its owner gone) is taken over. @default 10000 */
  lockStaleMs?: number;
  /** How long a writer waits for another's rotation before writing on. @default 1000 */
  lockWaitMs?: number;
  /**
   * Time rotation: a log4js (`yyyy-MM-dd`) or moment (`YYYY-MM-DD`) date pattern; its finest
   * field sets the period. Off when absent; not with `maxBytes`.
   */
  datePattern?: string;
  /** The date is in the active file's name (log4js `alwaysIncludePattern`; implied by `%DATE%`). */
  dateInName?: boolean;
  /** Time rotation: dated files last written longer ago than this are deleted. */
  maxAgeMs?: number;
  /**
   * Keep a symlink of this name in the log's directory pointing at the active file
   * (winston-daily-rotate-file `createSymlink` + `symlinkName`).
   */
  symlinkName?: string;
  /** Write winston-daily-rotate-file's audit JSON here, as file-stream-rotator writes it. */
  auditFile?: string;
  /** Hash of the audit's entries. @default 'md5' */
  auditHashType?: 'md5' | 'sha256';
  onError?: (err: FaninError) => void;
}

type Policies = { rotation?: SizeRotationOptions; timeRotation?: TimeRotationOptions };

const SHARED = ['backups', 'compress', 'keepFileExt', 'fileNameSep'] as const;

/**
 * Turns the flat writer options into a size or a time rotation policy's options, rejecting
 * combinations that cannot be honoured (rotation options without a rotation, both rotations,
 * rotation of a descriptor or a device).
 */
export function rotationFromOptions(
  o: RotationWriterOptions,
  where: string,
  lockFor?: (filename: string) => ExclusiveLock,
): Policies {
  const bySize = o.maxBytes !== undefined;
  const byTime = o.datePattern !== undefined;
  if (!bySize && !byTime) {
    for (const k of [...SHARED, 'dateInName', 'maxAgeMs', 'symlinkName', 'auditFile'] as const) {
      if (o[k] !== undefined && o[k] !== false) {
        throw new FaninOptionError(
          k,
          `${where}: option "${k}" needs "maxBytes" or "datePattern" (rotation)`,
        );
      }
    }
    return {};
  }
  if (bySize && byTime) {
    throw new FaninOptionError(
      'datePattern',
      `${where}: rotate by size ("maxBytes") or by time ("datePattern"), not both`,
    );
  }
  if (o.filename === undefined || o.filename.startsWith('/dev/')) {
    const option = bySize ? 'maxBytes' : 'datePattern';
    throw new FaninOptionError(option, `${where}: rotation needs a regular file as "filename"`);
  }
  const common = commonOf(o, where, lockFor);
  if (bySize) {
    if (o.dateInName || o.maxAgeMs !== undefined) {
      throw new FaninOptionError(
        'maxAgeMs',
        `${where}: "dateInName" and "maxAgeMs" go with "datePattern"`,
      );
    }
    const r: SizeRotationOptions = { ...common, maxBytes: parseSize('maxBytes', o.maxBytes) };
    if (o.rotationNaming !== undefined) r.naming = o.rotationNaming;
    return { rotation: r };
  }
  try {
    new DatePattern(o.datePattern as string);
  } catch (err) {
    throw new FaninOptionError(
      'datePattern',
      `${where}: option "datePattern": ${(err as Error).message}`,
    );
  }
  const t: TimeRotationOptions = { ...common, pattern: o.datePattern as string };
  if (o.dateInName !== undefined) t.includeInActive = o.dateInName;
  if (o.maxAgeMs !== undefined) t.maxAgeMs = o.maxAgeMs;
  return { timeRotation: t };
}

function commonOf(o: RotationWriterOptions, where: string, lockFor?: (f: string) => ExclusiveLock) {
  const r: Omit<SizeRotationOptions, 'maxBytes'> = {};
  if (o.backups !== undefined) r.backups = o.backups;
  if (o.compress !== undefined) r.compress = o.compress;
  if (o.keepFileExt !== undefined) r.keepFileExt = o.keepFileExt;
  if (o.fileNameSep !== undefined) r.fileNameSep = o.fileNameSep;
  if (o.lockStaleMs !== undefined) r.lockStaleMs = o.lockStaleMs;
  if (o.lockWaitMs !== undefined) r.lockWaitMs = o.lockWaitMs;
  if (o.mode !== undefined) r.mode = o.mode;
  if (lockFor) r.lock = lockFor(o.filename as string);
  if (o.symlinkName !== undefined) r.symlinkName = o.symlinkName;
  if (o.auditFile !== undefined) r.audit = auditOf(o);
  const report = o.onError ?? warnOnce;
  r.onError = (err) =>
    report(new FaninError('ERR_FANIN_WRITE', `${where}: ${err.message}`, { cause: err }));
  return r;
}

function auditOf(o: RotationWriterOptions): AuditFileOptions {
  const names = isAbsolute(o.filename as string) ? 'absolute' : 'relative';
  const keep = auditKeep(o.backups, o.maxAgeMs);
  return { file: o.auditFile as string, hashType: o.auditHashType ?? 'md5', keep, names };
}
