import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import * as path from 'node:path';
import type { FileDriver } from '../system/file-driver.js';

/** winston-daily-rotate-file's retention rule as its audit file states it. */
export interface AuditKeep {
  /** `amount` is a number of days (maxFiles '14d'), else a number of files, the active one included. */
  days: boolean;
  amount: number;
}

interface AuditEntry {
  date: number;
  name: string;
  hash: string;
}

interface AuditJson {
  keep: AuditKeep;
  auditLog: string;
  files: AuditEntry[];
  hashType: string;
}

/** How an {@link AuditLog} writes its files and removes what it no longer keeps. */
export interface AuditLogOptions {
  compress: boolean;
  mode: number;
  /** Removes a log file the audit dropped (the rotation's own removal, which tells it). */
  remove: (file: string) => void;
}

/**
 * winston-daily-rotate-file's audit file, written as file-stream-rotator 0.6 writes it
 * (`addLogToAudit`, `writeAuditLog`): `{ keep, auditLog, files: [{ date, name, hash }],
 * hashType }` as JSON indented by 4, one entry per log file when it becomes active, `hash` the
 * hex digest of `name + 'LOG_FILE' + date`. Retention works from it as there: the files beyond
 * `keep.amount` (oldest entries first), or created more than `keep.amount` days ago, are
 * deleted when a new file is added, a file only when its entry's hash checks out (an edited
 * audit cannot delete other files), its `.gz` too when compressing (the transport's
 * `zippedArchive` handler). So a log moved from winston-daily-rotate-file keeps its history.
 * Callers hold the rotation lock: processes share the file, and it is replaced whole (written
 * to a temporary, then renamed).
 */
export class AuditLog {
  readonly #driver: FileDriver;
  readonly #file: string;
  readonly #hashType: 'md5' | 'sha256';
  readonly #keep: AuditKeep;
  readonly #o: AuditLogOptions;

  constructor(
    driver: FileDriver,
    file: string,
    hashType: 'md5' | 'sha256',
    keep: AuditKeep,
    o: AuditLogOptions,
  ) {
    this.#driver = driver;
    this.#file = file;
    this.#hashType = hashType;
    this.#keep = keep;
    this.#o = o;
  }

  /** Records `name` as a new log file (once) and deletes what the audit no longer keeps. */
  add(name: string, now = Date.now()): void {
    const audit = this.#read();
    if (audit.files.some((f) => f.name === name)) return;
    audit.files.push({ date: now, name, hash: this.#hash(name, now) });
    let gone: AuditEntry[];
    if (audit.keep.days) {
      // moment().subtract(n, 'days'): the same wall-clock time n calendar days before.
      const oldest = new Date(now);
      oldest.setDate(oldest.getDate() - audit.keep.amount);
      gone = audit.files.filter((f) => f.date <= oldest.getTime());
      audit.files = audit.files.filter((f) => f.date > oldest.getTime());
    } else {
      gone = audit.files.slice(0, Math.max(0, audit.files.length - audit.keep.amount));
      audit.files = audit.files.slice(gone.length);
    }
    for (const f of gone) this.#remove(f, audit.hashType);
    this.#write(audit);
  }

  #hash(name: string, date: number, type: string = this.#hashType): string {
    return createHash(type).update(`${name}LOG_FILE${date}`).digest('hex');
  }

  #remove(f: AuditEntry, hashType: string): void {
    if (f.hash !== this.#hash(f.name, f.date, hashType)) return;
    this.#o.remove(f.name);
    if (this.#o.compress) this.#o.remove(`${f.name}.gz`);
  }

  // The audit as found (its entries kept, `keep` and `hashType` set anew, as setAuditLog does);
  // a fresh one when there is none or it does not parse.
  #read(): AuditJson {
    let found: Partial<AuditJson> | undefined;
    try {
      found = JSON.parse(this.#driver.readText(this.#file) ?? 'null') ?? undefined;
    } catch {
      found = undefined;
    }
    const files = Array.isArray(found?.files) ? found.files : [];
    const audit = { ...found, keep: this.#keep, auditLog: found?.auditLog ?? this.#file, files };
    return { ...audit, hashType: this.#hashType } as AuditJson;
  }

  #write(audit: AuditJson): void {
    const dir = path.dirname(this.#file);
    this.#driver.mkdirp(dir);
    const temp = path.join(dir, `.${path.basename(this.#file)}.${process.pid}.tmp`);
    const data = Buffer.from(JSON.stringify(audit, null, 4));
    const flags = constants.O_CREAT | constants.O_TRUNC | constants.O_WRONLY;
    const fd = this.#driver.open(temp, flags, this.#o.mode);
    try {
      for (let at = 0; at < data.length; ) at += this.#driver.write(fd, data.subarray(at));
    } finally {
      this.#driver.close(fd);
    }
    this.#driver.rename(temp, this.#file);
  }
}
