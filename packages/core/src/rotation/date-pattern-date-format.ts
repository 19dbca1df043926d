import { type DatePart, type DateToken, num, offsetText } from './date-token.js';

/**
 * log4js's vocabulary: the `date-format` package (date-format 4.x `asString`), which streamroller
 * formats dateFile names with. Its fields are `dd`, `MM`, `y`-runs, `hh` (the 24-hour hour),
 * `mm`, `ss`, `SSS` and `O` (offset, `Z` at UTC); every other character is literal text, `M`,
 * `d` or `D` alone included. date-format replaces each field with `String.replace(/../g)` in
 * turn; as its fields use distinct letters and print only digits, `+`, `:` and `Z`, one
 * left-to-right scan gives the same text.
 */
export function parseDateFormat(source: string): DatePart[] {
  // date-format prints every y-run as the 4-digit year when the pattern holds `yyyy` anywhere,
  // else as the last two digits of the year.
  const longYear = source.includes('yyyy');
  const tokens: Record<string, DateToken> = {
    dd: num('dd', 'day', 2, (f) => f.day),
    MM: num('MM', 'month', 2, (f) => f.month + 1),
    hh: num('hh', 'hour', 2, (f) => f.hour),
    mm: num('mm', 'minute', 2, (f) => f.minute),
    ss: num('ss', 'second', 2, (f) => f.second),
    SSS: num('SSS', 'millisecond', 3, (f) => f.ms),
    O: {
      token: 'O',
      unit: undefined,
      text: (f) => offsetText(f.offset, true, 'Z'),
      re: '(?:Z|[+-]\\d{2}:\\d{2})',
    },
  };
  const year = (token: string): DateToken =>
    longYear
      ? num(token, 'year', 2, (f) => f.year)
      : { token, unit: 'year', text: (f) => String(f.year).slice(2, 4), re: '\\d{2}' };
  const parts: DatePart[] = [];
  let at = 0;
  for (const m of source.matchAll(/dd|MM|y{1,4}|hh|mm|ss|SSS|O/g)) {
    if (m.index > at) parts.push(source.slice(at, m.index));
    parts.push(m[0].startsWith('y') ? year(m[0]) : (tokens[m[0]] as DateToken));
    at = m.index + m[0].length;
  }
  if (at < source.length) parts.push(source.slice(at));
  return parts;
}
