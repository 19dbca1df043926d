import { fastRecord, LineSplitter, readChunks } from './log-lines.js';
import { type LogRecord, padIsWhole } from './log-records.js';

/**
 * What one producer was expected to leave in the log: the number of records it logged
 * (sequences 0 … n − 1), or that and the `stats().dropped.total` it reported, so that every
 * missing record can be told counted (dropped) from lost without a trace.
 */
export type Expected = number | { logged: number; dropped?: number };

/** What {@link LogLedger} found of one producer's records. */
export interface ProducerCheck {
  /** Records seen whole (duplicates included). */
  records: number;
  /** Expected records never seen whole. */
  missing: number;
  /** Extra copies of a record already seen. */
  duplicates: number;
  /** Records that came after a later record of the same producer. */
  outOfOrder: number;
  /** Torn lines that still name this producer (a `"p":N` key near their start). */
  torn: number;
  /** The producer's own count of dropped records, when given. */
  dropped?: number;
  /** `missing − dropped`: records lost and not counted (negative: counted but present). */
  uncounted?: number;
}

/** What {@link LogLedger} found in one log (one file, or all files of a rotated log). */
export interface LogCheck {
  /** Whole records, duplicates included. */
  total: number;
  /** Lines that are neither a whole record nor whole JSON (cut, interleaved, garbled), and bytes after a file's last newline. */
  torn: number;
  /** Whole JSON lines that are not records (a loss notice, say). */
  foreign: number;
  /**
   * Empty lines: harmless, and not torn. A writer starts a batch with a newline when the file
   * does not end with one (core's file target); seeing another process's write in flight costs
   * such a line.
   */
  blank: number;
  /** Records seen more than once (each extra copy counts). */
  duplicates: number;
  /** Expected records never seen, over all producers. */
  missing: number;
  /** Records that came after a later record of the same producer. */
  outOfOrder: number;
  /** Records of an unknown producer, or with a sequence past the expected count. */
  unexpected: number;
  /** Missing records beyond the producers' dropped counts (only producers given with `dropped`). */
  uncounted: number;
  /** Times a record came from another producer than the one before it: proof they overlapped. */
  switches: number;
  /** Lines read (a cut-off tail included). */
  lines: number;
  /** Bytes read, uncompressed. */
  bytes: number;
  /** The longest line, newline included. */
  longest: number;
  byProcess: ProducerCheck[];
  /** The whole records in log order (empty when `keepRecords` is false). */
  records: LogRecord[];
  /** The foreign lines, parsed (the first 1,000). */
  foreignLines: unknown[];
  /** The first few torn lines, cut to 160 characters, for a failure message. */
  tornSamples: string[];
}

/** Options of {@link LogLedger}. */
export interface LedgerOptions {
  /** Keep every whole record in `records` (a bench log may hold millions: pass false). @default true */
  keepRecords?: boolean;
}

type Line = { p: number; s: number; record?: LogRecord } | { foreign: unknown } | 'torn';

function classify(buf: Buffer): Line {
  const fast = fastRecord(buf);
  if (fast) return fast;
  let value: unknown;
  try {
    value = JSON.parse(buf.toString('utf8'));
  } catch {
    return 'torn';
  }
  if (typeof value !== 'object' || value === null) return 'torn';
  const r = value as Partial<LogRecord>;
  if (!Number.isInteger(r.p) || !Number.isInteger(r.s)) {
    // A whole JSON object without our fields is someone else's line; with a pad, a fragment.
    return 'pad' in r ? 'torn' : { foreign: value };
  }
  // A record without a pad (winston's message holds the bench's) is judged by JSON alone.
  const whole =
    r.pad === undefined ||
    (typeof r.pad === 'string' &&
      (r.n === undefined || Number.isInteger(r.n)) &&
      padIsWhole(r.s as number, r.n, r.pad));
  return whole ? { p: r.p as number, s: r.s as number, record: r as LogRecord } : 'torn';
}

/**
 * The producer a torn line names: the first `"p":N` key of a record, wherever it sits among the
 * record's keys (`{"p":N,"s":…` as the bench and fixtures write it, `…"n":40,"p":N,"pad":…` as
 * winston's json format sorts them). A key of the record follows `{` or `,` (or starts a fragment
 * cut before its brace); inside a string value the quotes are escaped (`\"p\":`), so a message
 * that mentions one is not taken for it.
 */
const NAMES_PRODUCER = /(?:^|[{,])"p":(\d{1,9})[,}]/;

/**
 * The account of one log: every record of every producer ticked off as its line is read, in
 * order, from text, buffers or files (active, rotated and `.gz` ones, oldest first).
 *
 * @example
 * const ledger = new LogLedger([2000, { logged: 2000, dropped: 3 }]);
 * for (const f of files) ledger.file(f);
 * const check = ledger.result();
 */
export class LogLedger {
  readonly #seen: Uint8Array[];
  readonly #highest: number[];
  readonly #check: LogCheck;
  readonly #keep: boolean;
  readonly #expected: readonly Expected[];
  readonly #lines = new LineSplitter((line) => this.line(line));
  #lastProducer = -1;

  constructor(expected: readonly Expected[], { keepRecords = true }: LedgerOptions = {}) {
    this.#expected = expected;
    const logged = expected.map((e) => (typeof e === 'number' ? e : e.logged));
    this.#seen = logged.map((n) => new Uint8Array(n));
    this.#highest = logged.map(() => -1);
    this.#keep = keepRecords;
    const byProcess = logged.map(() => ({
      ...{ records: 0, missing: 0, duplicates: 0, outOfOrder: 0, torn: 0 },
    }));
    this.#check = {
      ...{ total: 0, torn: 0, foreign: 0, blank: 0, duplicates: 0, missing: 0, outOfOrder: 0 },
      ...{ unexpected: 0, uncounted: 0, switches: 0, lines: 0, bytes: 0, longest: 0 },
      ...{ byProcess, records: [], foreignLines: [], tornSamples: [] },
    };
  }

  /** Accounts for one line, without its newline. */
  line(buf: Buffer): void {
    const c = this.#check;
    c.lines++;
    c.longest = Math.max(c.longest, buf.length + 1);
    if (buf.length === 0) {
      c.blank++;
      return;
    }
    const line = classify(buf);
    if (line === 'torn') this.#torn(buf);
    else if ('foreign' in line) {
      c.foreign++;
      if (c.foreignLines.length < 1000) c.foreignLines.push(line.foreign);
    } else this.#record(line.p, line.s, line.record);
  }

  /** Accounts for a whole text (or the bytes of a file); bytes after its last newline are torn. */
  text(text: string | Buffer): void {
    const buf = typeof text === 'string' ? Buffer.from(text) : text;
    this.#check.bytes += buf.length;
    this.#lines.push(buf);
    this.#endOfFile();
  }

  /** Accounts for a file (`.gz` gunzipped); returns its size, uncompressed. */
  file(path: string): number {
    const size = readChunks(path, (chunk) => this.#lines.push(chunk));
    this.#check.bytes += size;
    this.#endOfFile();
    return size;
  }

  /** The counts so far, with `missing` and `uncounted` worked out. */
  result(): LogCheck {
    const c = this.#check;
    c.missing = 0;
    c.uncounted = 0;
    for (const [p, flags] of this.#seen.entries()) {
      const producer = c.byProcess[p] as ProducerCheck;
      producer.missing = flags.length - flags.reduce((sum, f) => sum + f, 0);
      c.missing += producer.missing;
      const expected = this.#expected[p];
      const dropped = typeof expected === 'object' ? expected.dropped : undefined;
      if (dropped === undefined) continue;
      producer.dropped = dropped;
      producer.uncounted = producer.missing - dropped;
      c.uncounted += Math.max(0, producer.uncounted);
    }
    return { ...c, byProcess: c.byProcess.map((b) => ({ ...b })) };
  }

  #endOfFile(): void {
    const rest = this.#lines.end();
    if (rest.length === 0) return;
    // A file that ends inside a line: a record cut short (or one the next write would glue onto).
    this.#check.lines++;
    this.#torn(rest);
  }

  #torn(buf: Buffer): void {
    const c = this.#check;
    c.torn++;
    const head = buf.subarray(0, 200).toString('utf8');
    if (c.tornSamples.length < 5) c.tornSamples.push(head.slice(0, 160));
    const named = NAMES_PRODUCER.exec(head);
    const producer = named ? c.byProcess[Number(named[1])] : undefined;
    if (producer) producer.torn++;
  }

  #record(p: number, s: number, record: LogRecord | undefined): void {
    const c = this.#check;
    const flags = this.#seen[p];
    if (!flags || s >= flags.length) {
      c.unexpected++;
      return;
    }
    if (this.#lastProducer !== -1 && this.#lastProducer !== p) c.switches++;
    this.#lastProducer = p;
    c.total++;
    if (this.#keep) c.records.push(record ?? { p, s });
    const producer = c.byProcess[p] as ProducerCheck;
    producer.records++;
    if (flags[s]) {
      c.duplicates++;
      producer.duplicates++;
      return;
    }
    flags[s] = 1;
    if (s < (this.#highest[p] as number)) {
      c.outOfOrder++;
      producer.outOfOrder++;
    } else this.#highest[p] = s;
  }
}
