import type { DateFields } from './date-fields.js';

/** Calendar units, coarsest first: the finest unit a pattern prints is how often its label changes. */
export const UNITS = [
  'year',
  'quarter',
  'month',
  'week',
  'day',
  'hour',
  'minute',
  'second',
  'millisecond',
] as const;
export type DateUnit = (typeof UNITS)[number];

/** One field of a date pattern: how it prints, what its text looks like, what unit it shows. */
export interface DateToken {
  /** The token as written in the pattern (`YYYY`, `hh`). */
  token: string;
  /** The unit it shows; undefined for a field that does not change with time (a UTC offset). */
  unit: DateUnit | undefined;
  text: (f: DateFields) => string;
  /** A regular expression source matching any text of this field. */
  re: string;
}

/** A pattern cut into literal text and fields. */
export type DatePart = string | DateToken;

/** A token refused with the reason (a thrown message names the token). */
export class UnsupportedToken extends Error {}

export const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** `n` as a padded number of `width` digits (at least), and a regexp for it. */
export function num(
  token: string,
  unit: DateUnit,
  width: number,
  get: (f: DateFields) => number,
): DateToken {
  return {
    token,
    unit,
    text: (f) => pad(get(f), width),
    re: width > 1 ? `\\d{${width},}` : '\\d+',
  };
}

/** Escapes `s` for use inside a regular expression. */
export const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Offset from UTC as `+01:00` (`colon`) or `+0100`; `z` is what UTC itself prints, when the
 * source prints something else than the digits for it (date-format prints `Z`).
 */
export function offsetText(minutes: number, colon: boolean, z?: string): string {
  if (minutes === 0 && z !== undefined) return z;
  const a = Math.abs(minutes);
  return `${minutes < 0 ? '-' : '+'}${pad(Math.floor(a / 60), 2)}${colon ? ':' : ''}${pad(a % 60, 2)}`;
}
