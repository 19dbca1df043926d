import { type DateFields, fieldsOf } from './date-fields.js';
import { parseDateFormat } from './date-pattern-date-format.js';
import { parseMoment } from './date-pattern-moment.js';
import { type DatePart, type DateUnit, escapeRe, UNITS } from './date-token.js';

/**
 * Which token vocabulary a date pattern is written in:
 * - `'date-format'`: log4js dateFile's (the date-format package): `yyyy-MM-dd-hh`, where `hh` is
 *   the 24-hour hour and `M`, `D` alone are literal text.
 * - `'moment'`: winston-daily-rotate-file's (moment, through file-stream-rotator):
 *   `YYYY-MM-DD-HH`, `hh` the 12-hour hour, `[text]` literal.
 */
export type DateDialect = 'date-format' | 'moment';

/** Options of {@link DatePattern}. */
export interface DatePatternOptions {
  /** @default 'date-format' when the pattern holds `yy`, else 'moment' */
  dialect?: DateDialect;
  /** Dates in UTC rather than in the process's time zone. @default false */
  utc?: boolean;
  /**
   * winston-daily-rotate-file's `frequency` ('5m', '3h') in ms: a whole number of minutes
   * (1-60) or of hours (1-24).
   */
  periodMs?: number;
}

const MINUTE = 60_000;
const HOUR = 3_600_000;

/**
 * A parsed date pattern: prints the label of the period a time falls in. A period ends when its
 * label changes, as both streamroller (`_dateChanged` compares formatted strings) and
 * file-stream-rotator (`newDate != curDate`) decide it, so the finest field printed sets it.
 * With `periodMs`, the minute (or hour) is first rounded down to a multiple of it within its hour
 * (or day), and only that field: file-stream-rotator's `getDate` sets `minutes(floor(m / n) * n)`
 * on the current moment, so a '3h' frequency with a `YYYY-MM-DD` pattern still rotates daily and
 * one with `HH-mm` prints (and rotates on) the real minutes.
 *
 * @example
 * new DatePattern('YYYY-MM-DD-HH-mm', { dialect: 'moment', periodMs: 300_000 }).format(t); // '2026-12-05-14-15'
 */
export class DatePattern {
  readonly source: string;
  readonly dialect: DateDialect;
  /** The finest unit the pattern prints. */
  readonly unit: DateUnit;
  readonly #parts: DatePart[];
  readonly #utc: boolean;
  readonly #step: { field: 'minute' | 'hour'; n: number } | undefined;
  #cached = { second: Number.NaN, label: '' };

  /** Throws a RangeError naming the problem: a refused token, no date field, a bad `periodMs`. */
  constructor(source: string, options: DatePatternOptions = {}) {
    this.source = source;
    this.dialect = options.dialect ?? (source.includes('yy') ? 'date-format' : 'moment');
    this.#utc = options.utc === true;
    try {
      this.#parts = this.dialect === 'moment' ? parseMoment(source) : parseDateFormat(source);
    } catch (err) {
      throw new RangeError(`date pattern "${source}" (${this.dialect}): ${(err as Error).message}`);
    }
    let finest = -1;
    for (const p of this.#parts) {
      if (typeof p !== 'string' && p.unit) finest = Math.max(finest, UNITS.indexOf(p.unit));
    }
    if (finest < 0) {
      throw new RangeError(`date pattern "${source}" (${this.dialect}) has no date field`);
    }
    this.unit = UNITS[finest] as DateUnit;
    this.#step = stepOf(options.periodMs);
  }

  /** The label of the period `time` falls in, e.g. `2026-11-23`. */
  format(time: number): string {
    // Writers ask before every batch: a label without sub-second fields is the same for a whole
    // second (time zone offsets are whole minutes since 1972), so one is printed once a second
    // (about 1 µs each, 2.8 µs with week fields, measured on the test machine).
    const second = Math.floor(time / 1000);
    if (second === this.#cached.second && this.unit !== 'millisecond') return this.#cached.label;
    const f = this.#fields(time);
    const label = this.#parts.map((p) => (typeof p === 'string' ? p : p.text(f))).join('');
    this.#cached = { second, label };
    return label;
  }

  /** A regular expression source that matches any label of this pattern. */
  labelSource(): string {
    return this.#parts.map((p) => (typeof p === 'string' ? escapeRe(p) : p.re)).join('');
  }

  #fields(time: number): DateFields {
    if (!this.#step) return fieldsOf(time, this.#utc);
    const { field, n } = this.#step;
    const d = new Date(time);
    if (field === 'minute') {
      const m = this.#utc ? d.getUTCMinutes() : d.getMinutes();
      if (this.#utc) d.setUTCMinutes(Math.floor(m / n) * n);
      else d.setMinutes(Math.floor(m / n) * n);
    } else {
      const h = this.#utc ? d.getUTCHours() : d.getHours();
      if (this.#utc) d.setUTCHours(Math.floor(h / n) * n);
      else d.setHours(Math.floor(h / n) * n);
    }
    return fieldsOf(d.getTime(), this.#utc);
  }
}

// file-stream-rotator's frequency: `(\d+)m` with 0 < n <= 60, or `(\d+)h` with n <= 24.
function stepOf(periodMs: number | undefined): { field: 'minute' | 'hour'; n: number } | undefined {
  if (periodMs === undefined) return undefined;
  if (Number.isInteger(periodMs) && periodMs > 0) {
    if (periodMs % HOUR === 0 && periodMs / HOUR <= 24)
      return { field: 'hour', n: periodMs / HOUR };
    if (periodMs % MINUTE === 0 && periodMs / MINUTE <= 60) {
      return { field: 'minute', n: periodMs / MINUTE };
    }
  }
  throw new RangeError(
    `periodMs ${periodMs} is not a whole number of minutes (1-60) or hours (1-24), as a frequency such as "5m" or "3h" gives`,
  );
}
