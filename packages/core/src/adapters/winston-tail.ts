import * as fs from 'node:fs';
import { Stream } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

/** What {@link tailLog} returns: winston's log stream (`'log'`, `'data'`, `'error'`, `destroy()`). */
export type LogStream = Stream & { destroy(): void };

// How often an idle tail looks for new records. winston's tail-file.js looks every 1000 ms.
const POLL_MS = 500;
const CHUNK = 64 * 1024;

/**
 * winston File's `stream()`: emits `'log'` (the parsed record) and `'data'` (the line) for each
 * record of the active file — from its first line, or only the lines after line `start` — and
 * then for each one appended. Unlike winston's, it follows the log across rotations (when
 * `active()` names another file, or the path now is another file, it reads the old one to its
 * end and goes on from the start of the new one), never keeps the process alive (its timer is
 * unref'd), and skips lines that are not JSON (fanin's loss notices) instead of emitting
 * `'error'`. `destroy()` ends it (`'end'`, `'close'`).
 */
export function tailLog(active: () => string, options: { start?: number } = {}): LogStream {
  const stream = new Stream() as LogStream;
  const tail = new LogTail(stream, active, options.start === -1 ? undefined : options.start);
  stream.destroy = () => tail.destroy();
  tail.next();
  return stream;
}

class LogTail {
  readonly #stream: Stream;
  readonly #active: () => string;
  readonly #start: number | undefined;
  readonly #decoder = new StringDecoder('utf8');
  readonly #buffer = Buffer.alloc(CHUNK);
  #handle: fs.promises.FileHandle | undefined;
  #file = '';
  #ino = -1;
  #pos = 0;
  #row = 0;
  #rest = '';
  #destroyed = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(stream: Stream, active: () => string, start: number | undefined) {
    this.#stream = stream;
    this.#active = active;
    this.#start = start;
  }

  readonly next = (): void => {
    if (this.#destroyed) return;
    this.#poll().then(
      () => {
        if (!this.#destroyed) this.#timer = setTimeout(this.next, POLL_MS).unref();
      },
      (err: Error) => {
        this.#stream.emit('error', err);
        this.destroy();
      },
    );
  };

  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    clearTimeout(this.#timer);
    void this.#close();
    this.#stream.emit('end');
    this.#stream.emit('close');
  }

  async #poll(): Promise<void> {
    if (this.#handle === undefined && !(await this.#open())) return;
    await this.#readAll();
    if (this.#destroyed || !(await this.#moved())) return;
    // Rotated: the old file is read to its end (what was appended to it between the read above
    // and the rotation too); its last line may lack its newline.
    await this.#readAll();
    if (this.#rest !== '') this.#line(this.#rest);
    this.#rest = '';
    await this.#close();
    if (await this.#open()) await this.#readAll();
  }

  // Opens the active file (false: it does not exist yet).
  async #open(): Promise<boolean> {
    this.#file = this.#active();
    try {
      this.#handle = await fs.promises.open(this.#file, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
    this.#ino = (await this.#handle.stat()).ino;
    this.#pos = 0;
    return true;
  }

  async #close(): Promise<void> {
    const h = this.#handle;
    this.#handle = undefined;
    await h?.close().catch(() => {});
  }

  // True when the path to read now is another file than the one open (a rotation).
  async #moved(): Promise<boolean> {
    if (this.#active() !== this.#file) return true;
    const st = await fs.promises.stat(this.#file).catch(() => undefined);
    return st !== undefined && st.ino !== this.#ino;
  }

  async #readAll(): Promise<void> {
    for (;;) {
      const h = this.#handle;
      if (h === undefined || this.#destroyed) return;
      const { bytesRead } = await h.read(this.#buffer, 0, CHUNK, this.#pos);
      if (bytesRead === 0) return;
      this.#pos += bytesRead;
      const parts = (this.#rest + this.#decoder.write(this.#buffer.subarray(0, bytesRead))).split(
        /\n+/,
      );
      this.#rest = parts.pop() ?? '';
      for (const p of parts) this.#line(p);
    }
  }

  // As winston's tail-file.js: rows after `start` only, when it is given.
  #line(text: string): void {
    if (this.#start === undefined || this.#row > this.#start) {
      this.#stream.emit('data', text);
      const rec = parseRecord(text);
      if (rec !== undefined) this.#stream.emit('log', rec);
    }
    this.#row++;
  }
}

function parseRecord(line: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(line) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
