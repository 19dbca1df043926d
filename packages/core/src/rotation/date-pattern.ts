/**
 * Date patterns for time rotation, in both vocabularies users bring: log4js's (`yyyy-MM-dd-hh`,
 * from the date-format package: `hh` is the 24-hour hour) and moment's, used by
 * winston-daily-rotate-file (`YYYY-MM-DD-HH`). Local time, as both of them use.
 */
type Unit = 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second';

interface Token {
  unit: Unit;
  width: number;
  get: (d: Date) => number;
}

const TOKENS: Record<string, Token> = {
  yyyy: { unit: 'year', width: 4, get: (d) => d.getFullYear() },
  YYYY: { unit: 'year', width: 4, get: (d) => d.getFullYear() },
  yy: { unit: 'year', width: 2, get: (d) => d.getFullYear() % 100 },
  YY: { unit: 'year', width: 2, get: (d) => d.getFullYear() % 100 },
  MM: { unit: 'month', width: 2, get: (d) => d.getMonth() + 1 },
  dd: { unit: 'day', width: 2, get: (d) => d.getDate() },
  DD: { unit: 'day', width: 2, get: (d) => d.getDate() },
  hh: { unit: 'hour', width: 2, get: (d) => d.getHours() },
  HH: { unit: 'hour', width: 2, get: (d) => d.getHours() },
  mm: { unit: 'minute', width: 2, get: (d) => d.getMinutes() },
  ss: { unit: 'second', width: 2, get: (d) => d.getSeconds() },
};

// Longest tokens first, so that "yyyy" is not read as "yy" twice.
const TOKEN_RE = /yyyy|YYYY|yy|YY|MM|dd|DD|hh|HH|mm|ss/g;
const ORDER: Unit[] = ['year', 'month', 'day', 'hour', 'minute', 'second'];

/** A parsed date pattern: formats a period's label and finds the period a time falls in. */
export class DatePattern {
  readonly source: string;
  readonly unit: Unit;
  readonly #parts: (string | Token)[] = [];

  constructor(source: string) {
    this.source = source;
    let at = 0;
    let finest = -1;
    for (const m of source.matchAll(TOKEN_RE)) {
      if (m.index > at) this.#parts.push(source.slice(at, m.index));
      const token = TOKENS[m[0]] as Token;
      this.#parts.push(token);
      finest = Math.max(finest, ORDER.indexOf(token.unit));
      at = m.index + m[0].length;
    }
    if (at < source.length) this.#parts.push(source.slice(at));
    if (finest < 0) throw new RangeError(`date pattern "${source}" has no date field`);
    this.unit = ORDER[finest] as Unit;
  }

  /** Start (ms since epoch) of the period `time` falls in. */
  periodOf(time: number): number {
    const d = new Date(time);
    const u = ORDER.indexOf(this.unit);
    return new Date(
      d.getFullYear(),
      u >= 1 ? d.getMonth() : 0,
      u >= 2 ? d.getDate() : 1,
      u >= 3 ? d.getHours() : 0,
      u >= 4 ? d.getMinutes() : 0,
      u >= 5 ? d.getSeconds() : 0,
    ).getTime();
  }

  /** The label of the period `time` falls in, e.g. `2026-11-23`. */
  format(time: number): string {
    const d = new Date(time);
    return this.#parts
      .map((p) => (typeof p === 'string' ? p : String(p.get(d)).padStart(p.width, '0')))
      .join('');
  }

  /** A regular expression source that matches any label of this pattern. */
  labelSource(): string {
    return this.#parts
      .map((p) =>
        typeof p === 'string' ? p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : `\\d{${p.width}}`,
      )
      .join('');
  }
}
