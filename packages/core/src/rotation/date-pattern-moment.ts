import { type DateFields, dayOfYear, ISO_WEEK, LOCALE_WEEK, weekOf } from './date-fields.js';
import {
  type DatePart,
  type DateToken,
  type DateUnit,
  escapeRe,
  num,
  offsetText,
  pad,
  UnsupportedToken,
} from './date-token.js';

/*
 * moment's vocabulary (moment 2.29, the version file-stream-rotator 0.6 formats
 * winston-daily-rotate-file names with), in its default English locale: the names, ordinals,
 * meridiem and week rule below are those of moment's built-in `en` locale.
 */
const MONTHS =
  'January February March April May June July August September October November December'.split(
    ' ',
  );
const DAYS = 'Sunday Monday Tuesday Wednesday Thursday Friday Saturday'.split(' ');

function ordinal(n: number): string {
  const tens = Math.floor((n % 100) / 10);
  const last = n % 10;
  const suffix =
    tens === 1 ? 'th' : last === 1 ? 'st' : last === 2 ? 'nd' : last === 3 ? 'rd' : 'th';
  return `${n}${suffix}`;
}

type Get = (f: DateFields) => number;
const ORD = '\\d+(?:st|nd|rd|th)';
const NAME = '[A-Za-z]+';

const txt = (token: string, unit: DateUnit, re: string, text: (f: DateFields) => string) =>
  ({ token, unit, re, text }) as DateToken;

const quarter: Get = (f) => Math.floor(f.month / 3) + 1;
const hour12: Get = (f) => f.hour % 12 || 12;
const localWeek: Get = (f) => weekOf(f, LOCALE_WEEK).week;
const isoWeek: Get = (f) => weekOf(f, ISO_WEEK).week;
const localYear: Get = (f) => weekOf(f, LOCALE_WEEK).year;
const isoYear: Get = (f) => weekOf(f, ISO_WEEK).year;

const TOKENS: DateToken[] = [
  num('YYYY', 'year', 4, (f) => f.year),
  num('YY', 'year', 2, (f) => f.year % 100),
  num('Y', 'year', 4, (f) => f.year),
  num('gggg', 'year', 4, localYear),
  num('gg', 'year', 2, (f) => localYear(f) % 100),
  num('GGGG', 'year', 4, isoYear),
  num('GG', 'year', 2, (f) => isoYear(f) % 100),
  txt('Qo', 'quarter', ORD, (f) => ordinal(quarter(f))),
  num('Q', 'quarter', 1, quarter),
  txt('MMMM', 'month', NAME, (f) => MONTHS[f.month] as string),
  txt('MMM', 'month', NAME, (f) => (MONTHS[f.month] as string).slice(0, 3)),
  num('MM', 'month', 2, (f) => f.month + 1),
  txt('Mo', 'month', ORD, (f) => ordinal(f.month + 1)),
  num('M', 'month', 1, (f) => f.month + 1),
  txt('wo', 'week', ORD, (f) => ordinal(localWeek(f))),
  num('ww', 'week', 2, localWeek),
  num('w', 'week', 1, localWeek),
  txt('Wo', 'week', ORD, (f) => ordinal(isoWeek(f))),
  num('WW', 'week', 2, isoWeek),
  num('W', 'week', 1, isoWeek),
  txt('DDDo', 'day', ORD, (f) => ordinal(dayOfYear(f))),
  num('DDDD', 'day', 3, dayOfYear),
  num('DDD', 'day', 1, dayOfYear),
  txt('Do', 'day', ORD, (f) => ordinal(f.day)),
  num('DD', 'day', 2, (f) => f.day),
  num('D', 'day', 1, (f) => f.day),
  txt('dddd', 'day', NAME, (f) => DAYS[f.weekday] as string),
  txt('ddd', 'day', NAME, (f) => (DAYS[f.weekday] as string).slice(0, 3)),
  txt('dd', 'day', NAME, (f) => (DAYS[f.weekday] as string).slice(0, 2)),
  txt('do', 'day', ORD, (f) => ordinal(f.weekday)),
  num('d', 'day', 1, (f) => f.weekday),
  // en weeks start on Sunday: the locale weekday `e` is `d`; ISO's `E` counts Monday as 1.
  num('e', 'day', 1, (f) => f.weekday),
  num('E', 'day', 1, (f) => f.weekday || 7),
  num('HH', 'hour', 2, (f) => f.hour),
  num('H', 'hour', 1, (f) => f.hour),
  num('hh', 'hour', 2, hour12),
  num('h', 'hour', 1, hour12),
  num('kk', 'hour', 2, (f) => f.hour || 24),
  num('k', 'hour', 1, (f) => f.hour || 24),
  txt('A', 'hour', '[AP]M', (f) => (f.hour > 11 ? 'PM' : 'AM')),
  txt('a', 'hour', '[ap]m', (f) => (f.hour > 11 ? 'pm' : 'am')),
  num('mm', 'minute', 2, (f) => f.minute),
  num('m', 'minute', 1, (f) => f.minute),
  num('ss', 'second', 2, (f) => f.second),
  num('s', 'second', 1, (f) => f.second),
  txt('ZZ', 'hour', '[+-]\\d{4}', (f) => offsetText(f.offset, false)),
  txt('Z', 'hour', '[+-]\\d{2}:\\d{2}', (f) => offsetText(f.offset, true)),
  num('X', 'second', 1, (f) => Math.floor(f.t / 1000)),
  num('x', 'millisecond', 1, (f) => f.t),
];
// An offset does not change with time: it is no field of the period.
for (const t of TOKENS) if (t.token.startsWith('Z')) t.unit = undefined;

// S prints tenths, SS hundredths, SSS milliseconds; moment pads longer runs with zeros.
function fraction(token: string): DateToken {
  const n = token.length;
  return {
    token,
    unit: 'millisecond',
    re: `\\d{${n}}`,
    text: (f) => (n < 3 ? pad(Math.floor(f.ms / 10 ** (3 - n)), n) : pad(f.ms, 3).padEnd(n, '0')),
  };
}

const REFUSED: [RegExp, string][] = [
  [/^(?:YYYYYY?|ggggg|GGGGG)$/, 'expanded years are not supported; use YYYY'],
  [/^(?:N{1,5}|y{1,4}|yo)$/, 'era tokens are not supported; use YYYY for the year'],
  [/^zz?$/, 'time zone names are not supported; use Z for the offset'],
  [
    /^(?:LTS|LT|L{1,4}|l{1,4})$/,
    'locale formats are not supported; write the fields out (YYYY-MM-DD)',
  ],
];

const BY_NAME = new Map(TOKENS.map((t) => [t.token, t]));
const NAMES = [...BY_NAME.keys(), 'YYYYYY', 'YYYYY', 'ggggg', 'GGGGG', 'LTS', 'LT']
  .sort((a, b) => b.length - a.length)
  .map(escapeRe);
// As moment's format reads a pattern: `[...]` is literal, `\` makes the next token literal,
// then the longest token at each place; any other character is literal.
const SCAN = new RegExp(
  `\\[[^\\[]*\\]|\\\\?(?:${NAMES.join('|')}|S{1,9}|N{1,5}|yo|y{1,4}|zz?|L{1,4}|l{1,4}|[\\s\\S])`,
  'g',
);

/** Cuts a moment pattern into literal text and fields; throws UnsupportedToken for a refused one. */
export function parseMoment(source: string): DatePart[] {
  const parts: DatePart[] = [];
  for (const [m] of source.matchAll(SCAN)) {
    if (m.startsWith('[') && m.endsWith(']') && m.length > 1) parts.push(m.slice(1, -1));
    else if (m.startsWith('\\') && m.length > 1) parts.push(m.slice(1));
    else parts.push(tokenFor(m));
  }
  return parts;
}

function tokenFor(m: string): DatePart {
  const known = BY_NAME.get(m);
  if (known) return known;
  if (/^S{1,9}$/.test(m)) return fraction(m);
  for (const [re, why] of REFUSED) {
    if (re.test(m)) throw new UnsupportedToken(`token "${m}": ${why}`);
  }
  return m;
}
