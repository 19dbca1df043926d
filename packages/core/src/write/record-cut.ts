const NL = 0x0a;

/** Total bytes of `parts`. */
export function totalBytes(parts: readonly Uint8Array[]): number {
  let n = 0;
  for (const p of parts) n += p.byteLength;
  return n;
}

/**
 * Bytes of the whole records (each ending with a newline) at the start of `parts` that fit in
 * `room` bytes: the end of the last newline within the first `room` bytes, or 0 when not even
 * the first record fits. All of `parts` when they fit whole (a last record without a newline
 * included).
 *
 * @example
 * recordsWithin([Buffer.from('aa\nbb\n')], 4); // 3
 */
export function recordsWithin(parts: readonly Uint8Array[], room: number): number {
  const total = totalBytes(parts);
  if (total <= room) return total;
  let cut = 0;
  let offset = 0;
  for (const p of parts) {
    if (offset >= room) break;
    const last = p.lastIndexOf(NL, Math.min(p.byteLength, room - offset) - 1);
    if (last >= 0) cut = offset + last + 1;
    offset += p.byteLength;
  }
  return cut;
}

/** Bytes of the first record of `parts`: to its newline, or all of them when none ends. */
export function firstRecord(parts: readonly Uint8Array[]): number {
  let offset = 0;
  for (const p of parts) {
    const i = p.indexOf(NL);
    if (i >= 0) return offset + i + 1;
    offset += p.byteLength;
  }
  return offset;
}

/** Bytes `[from, to)` of `parts`, as views (nothing copied). */
export function sliceParts(parts: readonly Uint8Array[], from: number, to: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let offset = 0;
  for (const p of parts) {
    const start = Math.max(from - offset, 0);
    const end = Math.min(to - offset, p.byteLength);
    if (end > start) out.push(start === 0 && end === p.byteLength ? p : p.subarray(start, end));
    offset += p.byteLength;
    if (offset >= to) break;
  }
  return out;
}

/** What {@link appendWithinLimit} asks of a file target with a size limit. */
export interface LimitedFile {
  /** Bytes the open file takes before its limit (0 when full). */
  room(): number;
  /** Whether the open file holds anything. */
  used(): boolean;
  /**
   * Rotates the open file (if no other process did) before a record of `bytes`; false when the
   * open file is still the same (the rotation lock stayed busy past lockWaitMs).
   */
  rotateFor(bytes: number): boolean;
  /** One append of whole records. */
  append(parts: Uint8Array[]): void;
}

/**
 * Appends `parts` (whole records) at record boundaries, rotating between pieces, so that every
 * file holds at most its limit, except a file holding one record larger than the limit. On
 * failure the error's `bytesWritten` counts the bytes that landed, earlier pieces included.
 *
 * streamroller rolls before a write once a file has reached maxSize, so its files pass the
 * limit by up to one record (RollingFileWriteStream._shouldRoll); winston File rotates after the
 * write that reached maxsize, and writes queued meanwhile go to the same file. fanin's files
 * stay within the limit.
 *
 * @example
 * appendWithinLimit([batch], { room, used, rotateFor, append });
 */
export function appendWithinLimit(parts: Uint8Array[], file: LimitedFile): void {
  const total = totalBytes(parts);
  let done = 0;
  try {
    while (done < total) {
      const rest = sliceParts(parts, done, total);
      let n = recordsWithin(rest, file.room());
      if (n === 0 && file.used()) {
        // The lock stayed busy: the rest goes on into the open file, and the next batch tries
        // again (one lock wait per batch, not one per record).
        n = file.rotateFor(firstRecord(rest)) ? recordsWithin(rest, file.room()) : total - done;
      }
      // One record larger than the limit goes alone into a file of its own.
      if (n === 0) n = firstRecord(rest);
      file.append(sliceParts(rest, 0, n));
      done += n;
    }
  } catch (err) {
    const landed = (err as { bytesWritten?: number }).bytesWritten ?? 0;
    throw Object.assign(err as Error, { bytesWritten: done + landed });
  }
}
