import { prng, shuffle } from './prng.js';

/**
 * The records the integrity tests, the bench and the examples log: one JSON object a line,
 * `{ p, s, n, pad }` — producer `p`, its sequence `s` (0, 1, 2 …), and `pad`: `n` copies of the
 * letter {@link padLetter}(s), so a record that lost or gained bytes in the middle is caught even
 * when it still parses. Other fields around them (a time, winston's `level`/`message`) are
 * ignored by the checker.
 */
export interface LogRecord {
  p: number;
  s: number;
  /** Pad length; when absent, any pad made of one repeated character is whole. */
  n?: number;
  pad?: string;
  /** Wall clock (ms) when the record was made, when asked for. */
  t?: number;
}

const PAD_LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/** The letter the pad of record `s` is made of. */
export function padLetter(s: number): string {
  return PAD_LETTERS[s % PAD_LETTERS.length] as string;
}

/** Record sizes in bytes: a usual line, one over PIPE_BUF (4096), one far over a pipe's 64 KiB. */
export const SIZES = { small: 100, medium: 8 * 1024, large: 200 * 1024 } as const;

/** Options of {@link makeRecord}. */
export interface MakeRecordOptions {
  /** Add `t: Date.now()`. @default false */
  time?: boolean;
  /** Bytes the JSON around the pad takes (with a newline), subtracted from `bytes`. @default 60 */
  overhead?: number;
}

/**
 * Record `s` of producer `p`, about `bytes` long once serialized.
 *
 * @example
 * writer.write(`${JSON.stringify(makeRecord(0, 7, 100))}\n`);
 */
export function makeRecord(
  p: number,
  s: number,
  bytes: number,
  { time = false, overhead = 60 }: MakeRecordOptions = {},
): LogRecord {
  const n = Math.max(1, bytes - overhead);
  const pad = padLetter(s).repeat(n);
  return time ? { p, s, t: Date.now(), n, pad } : { p, s, n, pad };
}

/** Whether `pad` is whole for record `s`: `n` copies of its letter, or (no `n`) one repeated character. */
export function padIsWhole(s: number, n: number | undefined, pad: string): boolean {
  if (n !== undefined) return pad.length === n && pad === padLetter(s).repeat(n);
  return pad.length === 0 || pad === (pad[0] as string).repeat(pad.length);
}

/**
 * The sizes producer `p` logs, in order: `counts` is "small,medium,large" (e.g. "2000,30,3") of
 * {@link SIZES}, shuffled with the seed `p + 1` so the big records land at different moments in
 * each producer, and at the same ones in every run.
 *
 * @example
 * for (const [s, bytes] of planSizes(0, '100,2,1').entries()) log(makeRecord(0, s, bytes));
 */
export function planSizes(p: number, counts: string): number[] {
  const [small = 0, medium = 0, large = 0] = String(counts).split(',').map(Number);
  const sizes: number[] = [
    ...Array<number>(small).fill(SIZES.small),
    ...Array<number>(medium).fill(SIZES.medium),
    ...Array<number>(large).fill(SIZES.large),
  ];
  return shuffle(sizes, prng(p + 1));
}
