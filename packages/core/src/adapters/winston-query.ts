import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import type { Readable } from 'node:stream';
import * as zlib from 'node:zlib';

/** winston's query options (winston-transport's "Loggly-like" set, as winston File reads them). */
export interface WinstonQueryOptions {
  /** Oldest record's `timestamp`. @default until - 24 h */
  from?: Date | string | number;
  /** Newest record's `timestamp`. @default now */
  until?: Date | string | number;
  /** At most this many records (`rows` is its alias). @default 10 */
  limit?: number;
  rows?: number;
  /** Lines of the log to skip first, counted from the oldest. @default 0 */
  start?: number;
  /** `'desc'`: the newest `limit` records, newest first; `'asc'`: the oldest, oldest first. */
  order?: 'asc' | 'desc';
  /** Keep only these keys of each record. */
  fields?: string[];
  /** Only records of exactly this level. */
  level?: string;
}

type Row = Record<string, unknown>;
const DAY_MS = 24 * 60 * 60 * 1000;
const reEscape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A test telling whether a bare file name in the log's directory is one of the files of the log
 * `filename`: the active file and every rotated one under any of the namings fanin writes
 * (winston `app1.log`, log4js `app.log.1` / `app.1.log`, dates `app.log.2026-01-02`, `%DATE%`
 * patterns, each possibly `.gz`). The `-audit.json` of winston-daily-rotate-file is not.
 */
export function logFileTest(filename: string): (name: string) => boolean {
  const base = path.basename(filename);
  let re: RegExp;
  if (base.includes('%DATE%')) {
    const [pre = '', post = ''] = base.split('%DATE%');
    re = new RegExp(`^${reEscape(pre)}.+${reEscape(post)}(?:[._-].*)?$`);
  } else {
    const ext = path.extname(base);
    const stem = reEscape(path.basename(base, ext));
    const e = reEscape(ext);
    re = new RegExp(
      `^(?:${reEscape(base)}(?:[._-].+)?|${stem}\\d+${e}(?:\\.gz)?|${stem}[._-][^/]*\\d[^/]*${e}(?:\\.gz)?)$`,
    );
  }
  return (name) => re.test(name) && !name.endsWith('-audit.json');
}

/**
 * The files of the log `filename` (absolute paths), oldest first by modification time: what
 * `query()` reads. Symbolic links (winston-daily-rotate-file's `current.log`) are skipped, as
 * they only name a file that is listed already.
 */
export async function logFiles(filename: string): Promise<string[]> {
  const dir = path.dirname(path.resolve(filename));
  const isLog = logFileTest(filename);
  let names: string[];
  try {
    names = await fs.promises.readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const found: { file: string; mtimeMs: number }[] = [];
  for (const name of names.filter(isLog)) {
    const file = path.join(dir, name);
    const st = await fs.promises.lstat(file).catch(() => undefined);
    if (st?.isFile()) found.push({ file, mtimeMs: st.mtimeMs });
  }
  found.sort((a, b) => a.mtimeMs - b.mtimeMs || a.file.localeCompare(b.file));
  return found.map((f) => f.file);
}

/** Calls `each` on the lines of one file of the log (gunzipped if `.gz`) until it says stop. */
async function eachLine(file: string, each: (line: string) => boolean): Promise<void> {
  const raw: Readable = fs.createReadStream(file);
  const input = file.endsWith('.gz') ? raw.pipe(zlib.createGunzip()) : raw;
  raw.on('error', (err) => input.destroy(err));
  try {
    const lines = readline.createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
    for await (const line of lines) if (!each(line)) break;
  } catch (err) {
    // Rotated away (or removed by retention) between the listing and the read: nothing to read.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  } finally {
    raw.destroy();
    input.destroy();
  }
}

interface Normalized {
  from: Date;
  until: Date;
  rows: number;
  start: number;
  order: 'asc' | 'desc';
  fields: string[] | undefined;
  level: string | undefined;
}

// winston File's normalizeQuery (lib/winston/transports/file.js), defaults included.
function normalize(o: WinstonQueryOptions): Normalized {
  const until = o.until === undefined ? new Date() : new Date(o.until);
  const from = o.from === undefined ? new Date(until.getTime() - DAY_MS) : new Date(o.from);
  return {
    from,
    until,
    rows: o.rows || o.limit || 10,
    start: o.start || 0,
    order: o.order || 'desc',
    fields: o.fields,
    level: o.level,
  };
}

// As winston File's check(): a record whose timestamp does not parse is not filtered by time.
function matches(row: Row, o: Normalized): boolean {
  const time = new Date(row.timestamp as string);
  if (time < o.from || time > o.until) return false;
  return !(o.level && o.level !== row.level);
}

function parse(line: string): Row | undefined {
  try {
    const v = JSON.parse(line) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Row) : undefined;
  } catch {
    // Not a JSON record (a plain-text format, or fanin's own loss notice): not a query result.
    return undefined;
  }
}

/**
 * winston File's `query()` over every file of the log (active, rotated, `.gz`), oldest first:
 * lines before `start` are skipped, records outside `from`..`until` or of another `level` are
 * left out; `'asc'` gives the first `limit`, `'desc'` the last `limit` newest first; `fields`
 * picks keys. Lines that are not JSON objects are skipped (winston File fails the query on one).
 */
export async function queryLog(filename: string, options: WinstonQueryOptions): Promise<Row[]> {
  const o = normalize(options);
  let results: Row[] = [];
  let row = 0;
  const full = () => o.order !== 'desc' && results.length >= o.rows;
  const add = (line: string): boolean => {
    if (line === '' || row++ < o.start) return true;
    const rec = parse(line);
    if (rec === undefined || !matches(rec, o)) return true;
    results.push(rec);
    if (o.order === 'desc' && results.length > o.rows) results.shift();
    return !full();
  };
  for (const file of await logFiles(filename)) {
    await eachLine(file, add);
    if (full()) break;
  }
  if (o.order === 'desc') results = results.reverse();
  const fields = o.fields;
  if (fields === undefined) return results;
  return results.map((r) => Object.fromEntries(fields.map((k) => [k, r[k]])));
}
