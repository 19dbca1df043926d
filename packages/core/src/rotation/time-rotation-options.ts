import type { AuditKeep } from './audit-log.js';
import type { DateDialect } from './date-pattern.js';
import type { DateNaming } from './dated-names.js';
import type { CommonRotationOptions } from './rotation-policy.js';

/** Options of {@link TimeRotation}. */
export interface TimeRotationOptions extends CommonRotationOptions {
  /** The date pattern; the finest field it prints sets the period. */
  pattern: string;
  /** @default inferred: 'date-format' when the pattern holds `yy`, else 'moment' */
  dialect?: DateDialect;
  /** Dates in UTC. @default false */
  utc?: boolean;
  /** winston-daily-rotate-file `frequency` ('5m', '3h') in ms: see {@link DatePattern}. */
  periodMs?: number;
  /** @default 'daily-rotate' when the filename holds `%DATE%`, else 'log4js-date' */
  naming?: DateNaming;
  /**
   * The date is in the active file's name (log4js `alwaysIncludePattern`; always so under
   * daily-rotate). Otherwise the active file keeps its name and is renamed when it rotates.
   * @default false
   */
  includeInActive?: boolean;
  /** Size parts within a period: a new part before a write would take the file past this. */
  maxBytes?: number;
  /** daily-rotate: appended after the date (and part number). @default '' */
  extension?: string;
  /** Dated files last written longer ago than this are deleted. @default never */
  maxAgeMs?: number;
  /** daily-rotate: keep a symlink of this name in the log's directory at the active file. */
  symlinkName?: string;
  /** daily-rotate: keep winston-daily-rotate-file's audit file; it then drives retention. */
  audit?: { file: string; hashType: 'md5' | 'sha256'; keep: AuditKeep };
  /** Told of a symlink or audit update that failed (writing goes on). */
  onMarkError?: (err: Error) => void;
}
