import { setMaxListeners } from 'node:events';
import * as fs from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';

/**
 * Gzips bytes `[start, end)` of the open descriptor `fd` into `out`: a new file, or one more
 * gzip member appended to it (`append`). RFC 1952 §2.2: a gzip file is a series of members, and
 * gunzip (and Node's zlib) decompresses them into the concatenation of their data. Then flushes
 * `out` to disk (fsync), so that a rename that follows never installs an archive whose data a
 * power loss could still take back. Abortable through `signal` (the file is then incomplete:
 * the caller removes it).
 */
export async function gzipRange(
  fd: number,
  start: number,
  end: number,
  out: string,
  options: { append: boolean; mode: number; signal: AbortSignal },
): Promise<void> {
  const source =
    end > start
      ? fs.createReadStream('', { fd, autoClose: false, start, end: end - 1 })
      : Readable.from([]);
  await pipeline(
    source,
    zlib.createGzip(),
    fs.createWriteStream(out, { flags: options.append ? 'a' : 'w', mode: options.mode }),
    { signal: options.signal },
  );
  await fsyncPath(out);
}

async function fsyncPath(p: string): Promise<void> {
  const h = await fs.promises.open(p, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

/**
 * An abort controller whose one signal may stop many waits at once (at a close deadline): each
 * compression step and each removal waiting out its grace (removal-mark.ts) adds a listener, and
 * with many rotations within 200 ms they pass Node's default of 10, a false
 * MaxListenersExceededWarning (each is removed as its work ends).
 */
export function abortController(): AbortController {
  const c = new AbortController();
  setMaxListeners(0, c.signal);
  return c;
}
