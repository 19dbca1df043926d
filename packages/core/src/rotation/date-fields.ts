/**
 * The calendar fields a date pattern prints, read once per label in local time or UTC, and the
 * week numbering moment uses (locale weeks for `w`/`gg`, ISO weeks for `W`/`GG`).
 */
export interface DateFields {
  /** The instant, ms since the epoch. */
  t: number;
  year: number;
  /** 0-11 */
  month: number;
  /** 1-31 */
  day: number;
  hour: number;
  minute: number;
  second: number;
  ms: number;
  /** Day of the week, 0 = Sunday. */
  weekday: number;
  /** Minutes east of UTC (UTC+01:00 is 60); 0 in UTC. */
  offset: number;
}

/** The fields of the instant `t`, in UTC when `utc`, else in the process's time zone. */
export function fieldsOf(t: number, utc: boolean): DateFields {
  const d = new Date(t);
  if (utc) {
    return {
      t,
      year: d.getUTCFullYear(),
      month: d.getUTCMonth(),
      day: d.getUTCDate(),
      hour: d.getUTCHours(),
      minute: d.getUTCMinutes(),
      second: d.getUTCSeconds(),
      ms: d.getUTCMilliseconds(),
      weekday: d.getUTCDay(),
      offset: 0,
    };
  }
  return {
    t,
    year: d.getFullYear(),
    month: d.getMonth(),
    day: d.getDate(),
    hour: d.getHours(),
    minute: d.getMinutes(),
    second: d.getSeconds(),
    ms: d.getMilliseconds(),
    weekday: d.getDay(),
    offset: -d.getTimezoneOffset(),
  };
}

const DAY = 86_400_000;

// Calendar-day number of a date (days since 1970-01-01), free of time zones and DST: week and
// day-of-year arithmetic is done on these.
const dayNumber = (year: number, month: number, day: number) =>
  Math.round(Date.UTC(year, month, day) / DAY);

/** Day of the year, 1-366. */
export function dayOfYear(f: DateFields): number {
  return dayNumber(f.year, f.month, f.day) - dayNumber(f.year, 0, 1) + 1;
}

/**
 * A week rule: weeks start on `firstDay` (0 = Sunday) and week 1 is the one that holds January
 * `anchor`. ISO 8601 (moment `W`): Monday, January 4th. moment's default English locale (`w`):
 * Sunday, January 1st (moment's locale `week: { dow: 0, doy: 6 }`, its week 1 holds Jan 7 - 6).
 */
export interface WeekRule {
  firstDay: number;
  anchor: number;
}

export const ISO_WEEK: WeekRule = { firstDay: 1, anchor: 4 };
export const LOCALE_WEEK: WeekRule = { firstDay: 0, anchor: 1 };

// Day number of the first day of the week that holds the calendar day `n`.
function weekStart(n: number, rule: WeekRule): number {
  // 1970-01-01 was a Thursday (4).
  const weekday = (((n + 4) % 7) + 7) % 7;
  return n - ((weekday - rule.firstDay + 7) % 7);
}

/** The week number and the year it belongs to (which may be the next or the previous one). */
export function weekOf(f: DateFields, rule: WeekRule): { week: number; year: number } {
  const start = weekStart(dayNumber(f.year, f.month, f.day), rule);
  let year = f.year;
  if (start >= weekStart(dayNumber(year + 1, 0, rule.anchor), rule)) year++;
  else if (start < weekStart(dayNumber(year, 0, rule.anchor), rule)) year--;
  const first = weekStart(dayNumber(year, 0, rule.anchor), rule);
  return { week: (start - first) / 7 + 1, year };
}
