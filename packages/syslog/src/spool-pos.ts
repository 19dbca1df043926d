/**
 * A place in a spool: segment number × 2^32 + byte offset, so that places compare as numbers
 * (exact while segment numbers stay under 2^21).
 */
export type SpoolPos = number;

const SEG = 2 ** 32;
/** The place of `off` in segment `seg`. */
export const posOf = (seg: number, off: number): SpoolPos => seg * SEG + off;
/** The segment number of a place. */
export const segOf = (pos: SpoolPos): number => Math.floor(pos / SEG);
/** The byte offset of a place in its segment. */
export const offOf = (pos: SpoolPos): number => pos % SEG;
/** The file name of segment `seg`. */
export const segName = (seg: number): string => `${String(seg).padStart(10, '0')}.seg`;
/** The segment number a file name stands for (the inverse of {@link segName}), if it is one. */
export const segOfName = (name: string): number | undefined => {
  const m = /^(\d{10})\.seg$/.exec(name);
  return m ? Number(m[1]) : undefined;
};
