import { FaninError, FaninOptionError, warnOnce } from '../contract/errors.js';
import { parseSize } from '../contract/options.js';
import { DatePattern } from './date-pattern.js';
import type { ExclusiveLock } from './rotation-lock.js';
import type { RotationNaming } from './rotation-naming.js';
import type { SizeRotationOptions } from './size-rotation.js';
import type { TimeRotationOptions } from './time-rotation.js';

/**
 * The flat writer options that rotation reads (a subset of `FileWriterOptions`, which documents
 * each; declared here so that rotation does not import the writer that builds on it).
 */
export interface RotationWriterOptions {
  filename?: string;
  mode?: number;
  maxBytes?: number | string;
  backups?: number;
  compress?: boolean;
  rotationNaming?: RotationNaming;
  keepFileExt?: boolean;
  fileNameSep?: string;
  lockStaleMs?: number;
  lockWaitMs?: number;
  datePattern?: string;
  dateInName?: boolean;
  maxAgeMs?: number;
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
    for (const k of [...SHARED, 'dateInName', 'maxAgeMs'] as const) {
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
  const report = o.onError ?? warnOnce;
  r.onError = (err) =>
    report(
      new FaninError('ERR_FANIN_WRITE', `${where}: compression failed: ${err.message}`, {
        cause: err,
      }),
    );
  return r;
}
