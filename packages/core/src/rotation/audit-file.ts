import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { errnoCode } from '../contract/errors.js';

/** How winston-daily-rotate-file's audit says which files it keeps. */
export interface AuditKeep {
  /** `amount` is a number of days (`maxFiles: '14d'`), else a number of files. */
  days: boolean;
  amount: number;
}

/**
 * The audit's `keep` for fanin's retention: days when files are kept by age (`maxAgeMs`, whole
 * days), else the number of files kept counting the active one (`backups` + 1), as
 * file-stream-rotator counts `max_logs`; 0 when nothing is removed.
 */
export function auditKeep(backups: number | undefined, maxAgeMs: number | undefined): AuditKeep {
  if (maxAgeMs !== undefined) return { days: true, amount: Math.round(maxAgeMs / 86_400_000) };
  return { days: false, amount: backups === undefined ? 0 : backups + 1 };
}

/** Options of {@link AuditFile}. */
export interface AuditFileOptions {
  /** The audit file's path, as configured (it is written into the audit as `auditLog`). */
  file: string;
  /** @default 'md5' */
  hashType?: 'md5' | 'sha256';
  keep: AuditKeep;
  /**
   * How log files are named in the audit: relative to the working directory (as the user's
   * relative `filename` is passed to file-stream-rotator) or absolute. @default 'absolute'
   */
  names?: 'relative' | 'absolute';
}

/** One entry of the audit: file-stream-rotator's `{ date, name, hash }`. */
interface AuditEntry {
  date: number;
  name: string;
  hash: string;
}

/**
 * winston-daily-rotate-file's audit JSON, written as file-stream-rotator (0.6, which it uses)
 * writes it, so that a user's tooling keeps working: `{ keep, auditLog, files, hashType }`
 * indented by 4 spaces (`JSON.stringify(audit, null, 4)`), one entry per log file created,
 * `{ date: <ms>, name, hash }` with `hash` the hex digest (`hashType`) of
 * `name + "LOG_FILE" + date` (FileStreamRotator.addLogToAudit). An existing audit is read and
 * kept. Unlike file-stream-rotator, it is replaced atomically (a temporary renamed over it), and
 * an entry leaves it when fanin's retention removes the file (file-stream-rotator removes the
 * files the audit drops; here retention is the rotation's, and the audit follows it).
 *
 * Every update is made by the process that did the act, under the rotation lock, so that the
 * read-modify-write of several processes never loses an entry.
 *
 * @example
 * const audit = new AuditFile({ file: 'logs/.audit.json', keep: { days: true, amount: 14 } });
 * audit.added('/var/log/app-2026-12-05.log');
 */
export class AuditFile {
  readonly path: string;
  readonly #o: AuditFileOptions;

  constructor(options: AuditFileOptions) {
    this.#o = options;
    this.path = path.resolve(options.file);
  }

  /** Adds the log file `file` (absolute) if it is not listed yet. */
  added(file: string, now = Date.now()): void {
    const name = this.#name(file);
    const audit = this.#read();
    if (audit.files.some((f) => f.name === name)) return;
    const hashType = this.#o.hashType ?? 'md5';
    const hash = createHash(hashType).update(`${name}LOG_FILE${now}`).digest('hex');
    audit.files.push({ date: now, name, hash });
    this.#write(audit);
  }

  /** Drops the entries of log files (absolute; a `.gz` stands for its log file) removed. */
  removed(files: readonly string[]): void {
    if (files.length === 0) return;
    const gone = new Set(files.map((f) => this.#name(f.replace(/\.gz$/, ''))));
    const audit = this.#read();
    const kept = audit.files.filter((f) => !gone.has(f.name));
    if (kept.length === audit.files.length) return;
    audit.files = kept;
    this.#write(audit);
  }

  #name(file: string): string {
    return this.#o.names === 'relative' ? path.relative(process.cwd(), file) : file;
  }

  // As FileStreamRotator.setAuditLog: an audit that exists keeps its fields and entries, and
  // gets `keep` from the options; a new one is `{ keep, auditLog, files }`; hashType last.
  #read(): { keep: AuditKeep; auditLog: string; files: AuditEntry[]; hashType?: string } {
    let audit: { keep: AuditKeep; auditLog: string; files: AuditEntry[]; hashType?: string };
    try {
      audit = JSON.parse(fs.readFileSync(this.path, 'utf8'));
      if (!Array.isArray(audit.files)) audit.files = [];
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT' && !(err instanceof SyntaxError)) throw err;
      audit = { keep: this.#o.keep, auditLog: this.#o.file, files: [] };
    }
    audit.keep = this.#o.keep;
    audit.hashType = this.#o.hashType ?? 'md5';
    return audit;
  }

  #write(audit: object): void {
    fs.mkdirSync(path.dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(audit, null, 4));
    fs.renameSync(tmp, this.path);
  }
}
