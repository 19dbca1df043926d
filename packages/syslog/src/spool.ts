import * as fs from 'node:fs';
import * as path from 'node:path';
import { OWNER_FILE as OWNER, ownerLine } from './spool-owner.js';
import { offOf, posOf, type SpoolPos, segName, segOf, segOfName } from './spool-pos.js';

export type { SpoolPos } from './spool-pos.js';

/** One record read back from a spool, and the place just after it. */
export interface SpooledRecord {
  data: Buffer;
  end: SpoolPos;
}

const CURSOR = 'cursor';
// The cursor is a fixed-width line written in place with one pwrite: a crash leaves the old
// line or the new one, never a mix of lengths (a 32-byte write does not tear on Linux ext4/tmpfs
// page-cache writes, which copy a write that fits in one page at once).
const CURSOR_WIDTH = 32;
const READ_BYTES = 256 * 1024;
const COMMIT_BYTES = 64 * 1024;
const LF = Buffer.of(0x0a);
const { O_RDWR, O_CREAT } = fs.constants;

/**
 * One writer's records on local disk: numbered segment files of `LEN SP DATA LF` entries (the
 * length first, so a record may hold line breaks; the LF catches a write torn by a crash), and a
 * persisted ack cursor. Records before the cursor were acknowledged by the collector; a segment
 * wholly before it is deleted. Everything after it is shipped again by whoever opens the spool
 * next: this process, or a later one that adopts the directory.
 */
export class Spool {
  readonly dir: string;
  readonly #segmentBytes: number;
  readonly #mode: number;
  #writeSeg = 0;
  #writeFd: number | undefined;
  #writeOff = 0;
  #cursor: SpoolPos = 0;
  #swept = -1;
  #cursorFd: number;
  #persisted: SpoolPos = -1;
  /** Sizes of the segments on disk, by number. */
  readonly #sizes = new Map<number, number>();
  #readSeg = -1;
  #readFd: number | undefined;
  #buf = Buffer.alloc(0);
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #readBuf = Buffer.allocUnsafe(READ_BYTES);
  #bufPos: SpoolPos = 0;
  /** Bytes of segments this spool deleted (acknowledged, or drained at close). */
  freedBytes = 0;
  /** Records read back that were torn (a crash mid-append), skipped with the rest of their segment. */
  torn = 0;

  constructor(dir: string, segmentBytes: number, mode = 0o600) {
    this.dir = dir;
    this.#segmentBytes = segmentBytes;
    this.#mode = mode;
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(path.join(dir, OWNER), ownerLine(), { mode });
    for (const name of fs.readdirSync(dir)) {
      const seg = segOfName(name);
      if (seg !== undefined) this.#sizes.set(seg, fs.statSync(path.join(dir, name)).size);
    }
    this.#cursorFd = fs.openSync(path.join(dir, CURSOR), O_RDWR | O_CREAT, mode);
    const saved = /^(\d+) (\d+)/.exec(fs.readFileSync(this.#cursorFd, 'latin1'));
    const first = Math.min(...this.#sizes.keys(), Number.POSITIVE_INFINITY);
    this.#cursor = saved
      ? posOf(Number(saved[1]), Number(saved[2]))
      : posOf(Number.isFinite(first) ? first : 1, 0);
    this.#writeSeg = Math.max(segOf(this.#cursor), ...this.#sizes.keys());
    this.#bufPos = this.#cursor;
  }

  /** The acknowledged place: everything before it reached the collector. */
  get cursor(): SpoolPos {
    return this.#cursor;
  }

  /** Bytes of the segment files on disk (acknowledged head of the oldest segment included). */
  get diskBytes(): number {
    let total = this.#pendingBytes;
    for (const size of this.#sizes.values()) total += size;
    return total;
  }

  /** Bytes acknowledged: of segments deleted, and the acknowledged head of the oldest one. */
  get ackedBytes(): number {
    return this.freedBytes + this.#ackedHead();
  }

  /** Bytes appended (queued ones included) and not acknowledged: what `maxSpoolBytes` bounds. */
  get unackedBytes(): number {
    return this.diskBytes - this.#ackedHead();
  }

  #ackedHead(): number {
    const size = this.#sizes.get(segOf(this.#cursor));
    return size === undefined ? 0 : Math.min(size, offOf(this.#cursor));
  }

  /** The place after the last record appended. */
  get end(): SpoolPos {
    return posOf(this.#writeSeg, this.#sizes.get(this.#writeSeg) ?? 0);
  }

  /**
   * Queues one record for the next {@link commit}; returns true when 64 KiB are queued (time
   * to commit). The writer commits once per event-loop turn, at that size, and at exit.
   */
  append(data: Buffer): boolean {
    this.#pending.push(Buffer.from(`${data.length} `, 'latin1'), data, LF);
    this.#pendingBytes += data.length + 12;
    return this.#pendingBytes >= COMMIT_BYTES;
  }

  /** Bytes queued by {@link append} and not yet committed (an estimate: length fields as 11). */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  /**
   * Writes the queued records with one `writev(2)`: once this returns they survive the process
   * (SIGKILL included; not a power loss: there is no fsync). Returns the records written; throws
   * the system error with `records`, the number of records lost.
   */
  commit(): number {
    if (this.#pending.length === 0) return 0;
    const parts = this.#pending;
    const records = parts.length / 3;
    this.#pending = [];
    this.#pendingBytes = 0;
    if (this.#writeFd === undefined || this.#writeOff >= this.#segmentBytes) this.#roll();
    const fd = this.#writeFd as number;
    const bytes = parts.reduce((n, b) => n + b.length, 0);
    let done = 0;
    try {
      done = fs.writevSync(fd, parts);
      // A short write (the disk filling part-way): the rest from where it stopped.
      if (done < bytes) {
        const all = Buffer.concat(parts);
        while (done < bytes) done += fs.writeSync(fd, all, done, bytes - done);
      }
    } catch (err) {
      // What was written ends torn: close the segment there, so readers skip its tail.
      this.#writeOff = Number.POSITIVE_INFINITY;
      this.#sizes.set(this.#writeSeg, (this.#sizes.get(this.#writeSeg) ?? 0) + done);
      throw Object.assign(err as Error, { records });
    }
    this.#writeOff += bytes;
    this.#sizes.set(this.#writeSeg, this.#writeOff);
    return records;
  }

  #roll(): void {
    if (this.#writeFd !== undefined) {
      fs.closeSync(this.#writeFd);
      this.#writeFd = undefined;
      this.#writeSeg++;
    }
    // A spool reopened after a crash goes on in a fresh segment: its last one may end torn.
    else if (this.#sizes.has(this.#writeSeg)) this.#writeSeg++;
    const file = path.join(this.dir, segName(this.#writeSeg));
    this.#writeFd = fs.openSync(file, 'a', this.#mode);
    this.#writeOff = 0;
    this.#sizes.set(this.#writeSeg, 0);
  }

  /**
   * Learns what another instance of this spool (the logging thread's) committed, up to `end`:
   * segments it finished (their final size, from the file) and the one it writes now.
   */
  follow(end: SpoolPos): void {
    const seg = segOf(end);
    if (end === 0 || end <= this.end) return;
    for (let s = this.#writeSeg; s < seg; s++) {
      const file = path.join(this.dir, segName(s));
      if (fs.existsSync(file)) this.#sizes.set(s, fs.statSync(file).size);
    }
    this.#writeSeg = seg;
    this.#sizes.set(seg, offOf(end));
  }

  /** Reads up to `max` records from `from` on; fewer (maybe none) at the end of what was appended. */
  read(from: SpoolPos, max: number): SpooledRecord[] {
    const out: SpooledRecord[] = [];
    let pos = from;
    while (out.length < max) {
      const rec = this.#readOne(pos);
      if (rec === undefined) break;
      out.push(rec);
      pos = rec.end;
    }
    return out;
  }

  #readOne(pos: SpoolPos): SpooledRecord | undefined {
    for (;;) {
      const seg = segOf(pos);
      const size = this.#sizes.get(seg);
      if (size !== undefined && offOf(pos) < size) {
        const rec = this.#parseAt(pos, size);
        if (rec !== 'torn') return rec;
        this.torn++;
      } else if (seg >= this.#writeSeg) return undefined;
      // The end of a segment (or a torn tail): go on with the next one that exists.
      const next = [...this.#sizes.keys()].filter((s) => s > seg).sort((a, b) => a - b)[0];
      if (next === undefined) return undefined;
      pos = posOf(next, 0);
    }
  }

  #parseAt(pos: SpoolPos, size: number): SpooledRecord | 'torn' {
    const head = this.#bytes(pos, Math.min(12, size - offOf(pos)));
    const sp = head.indexOf(0x20);
    const len = sp > 0 ? Number(head.toString('latin1', 0, sp)) : Number.NaN;
    const total = sp + 1 + len + 1;
    if (!Number.isInteger(len) || offOf(pos) + total > size) return 'torn';
    const whole = this.#bytes(pos, total);
    if (whole[total - 1] !== 0x0a) return 'torn';
    // A copy: the read-ahead buffer is reused by the next read.
    return { data: Buffer.from(whole.subarray(sp + 1, total - 1)), end: pos + total };
  }

  /** `n` bytes at `pos` through a read-ahead buffer (segments are read in 256 KiB steps). */
  #bytes(pos: SpoolPos, n: number): Buffer {
    const at = pos - this.#bufPos;
    if (segOf(pos) === segOf(this.#bufPos) && at >= 0 && at + n <= this.#buf.length) {
      return this.#buf.subarray(at, at + n);
    }
    const seg = segOf(pos);
    if (seg !== this.#readSeg) {
      if (this.#readFd !== undefined) fs.closeSync(this.#readFd);
      this.#readFd = fs.openSync(path.join(this.dir, segName(seg)), 'r');
      this.#readSeg = seg;
    }
    if (this.#readBuf.length < n) this.#readBuf = Buffer.allocUnsafe(n);
    const buf = this.#readBuf;
    const got = fs.readSync(this.#readFd as number, buf, 0, buf.length, offOf(pos));
    this.#buf = buf.subarray(0, got);
    this.#bufPos = pos;
    return this.#buf.subarray(0, Math.min(n, got));
  }

  /** Everything before `pos` was acknowledged: move the cursor; delete segments wholly before it. */
  ack(pos: SpoolPos): void {
    if (pos <= this.#cursor) return;
    this.#cursor = pos;
    // Segments before the cursor's are looked for once it enters a new one, not at every ack.
    const seg = segOf(pos);
    if (seg === this.#swept) return;
    this.#swept = seg;
    for (const s of [...this.#sizes.keys()]) {
      if (s >= seg || s === this.#writeSeg) continue;
      if (s === this.#readSeg && this.#readFd !== undefined) {
        fs.closeSync(this.#readFd);
        this.#readFd = undefined;
        this.#readSeg = -1;
      }
      this.freedBytes += this.#sizes.get(s) ?? 0;
      this.#sizes.delete(s);
      fs.rmSync(path.join(this.dir, segName(s)), { force: true });
    }
  }

  /**
   * Writes the cursor to disk if it moved (one pwrite); `at`: the cursor of the instance that
   * reads this spool in another thread (the logging thread persists it at exit).
   */
  persist(at = this.#cursor): void {
    if (this.#persisted === at) return;
    const line = `${segOf(at)} ${offOf(at)}`.padEnd(CURSOR_WIDTH - 1);
    fs.writeSync(this.#cursorFd, `${line}\n`, 0, 'latin1');
    this.#persisted = at;
  }

  /** True when every appended record was acknowledged. */
  get drained(): boolean {
    // Checked at every acknowledgement while a flush waits: the common case costs no read.
    if (this.#cursor === this.end) return true;
    return this.read(this.#cursor, 1).length === 0;
  }

  /**
   * Closes the files; with `remove`, deletes the directory (only when drained). `persist: false`
   * for the logging thread's instance when another thread reads the spool (its cursor is stale).
   */
  close(remove: boolean, persist = true): void {
    if (persist) this.persist();
    for (const fd of [this.#writeFd, this.#readFd, this.#cursorFd])
      if (fd !== undefined) fs.closeSync(fd);
    this.#writeFd = undefined;
    this.#readFd = undefined;
    if (!remove || !this.drained) return;
    fs.rmSync(this.dir, { recursive: true, force: true });
    for (const size of this.#sizes.values()) this.freedBytes += size;
    this.#sizes.clear();
  }
}
