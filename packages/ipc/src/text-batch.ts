/**
 * A batch as a forwarder holds and sends it: its records back to back in one string (JSON
 * parses one string ~4× faster than many, and one string is far cheaper for the collector to
 * keep than a few hundred), each record's length in UTF-16 units, and the levels.
 */
export interface TextBatch {
  seq: number;
  text: string;
  lens: number[];
  /** One level for all records (the usual case), or one per record (see {@link compactLevels}). */
  levels: string | string[];
}

/** The records of a batch one by one, with their levels ('' when a record had none). */
export interface Batch {
  seq: number;
  records: string[];
  levels: string[];
}

/** One level for the whole batch when every record has it (the usual case), else one each. */
export function compactLevels(levels: string[]): string | string[] {
  const first = levels[0] ?? '';
  return levels.every((l) => l === first) ? first : levels;
}

/** The level of each of `n` records, from {@link compactLevels}' form. */
export function levelsOf(levels: string | string[], n: number): string[] {
  return typeof levels === 'string' ? new Array<string>(n).fill(levels) : levels;
}

/** The records of a text batch, one by one. */
export function fromTextBatch(tb: TextBatch): Batch {
  const records: string[] = [];
  let at = 0;
  for (const n of tb.lens) {
    records.push(tb.text.slice(at, at + n));
    at += n;
  }
  return { seq: tb.seq, records, levels: levelsOf(tb.levels, records.length) };
}
