import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectWholeLog } from './helpers/check-log.js';
import { tempDir } from './helpers/processes.js';
import {
  checkRotated,
  clashingNumbers,
  longestLine,
  type RotatedLog,
  type RotationMode,
  readRotated,
  rotateTogether,
  rotationBatch,
  writerModes,
} from './helpers/rotated-files.js';

// fanin #16 defect 4: a batch that would cross maxBytes is split at record boundaries and the
// file rotated between, for limits down to 1 byte, in every process writing the log.
const PROCESSES = 3;
// test/fixtures/rotate-writer.cjs logs 50 records of 100 to 3000 bytes a turn: one batch.
const RECORDS = 150;

// A writer that waits for the rotation lock past lockWaitMs writes on into the full file (the
// documented exception, tested in packages/core/test/size-split.test.ts). Under log4js naming a
// rotation renames every file present, here up to 450 under the lock, which on a loaded machine
// can hold it past the default 1 s: wait for it here, so that what is measured is the split.
const WAIT = { lockWaitMs: 60_000 };
const MODES: RotationMode[] = [
  ...writerModes(WAIT, ['log4js', 'winston']),
  {
    name: 'log4js appender',
    mode: 'log4js',
    naming: 'log4js',
    options: { backups: 100_000, ...WAIT },
  },
];

/** Records and bytes of each process in each file of the log. */
function perProcess(log: RotatedLog): Map<number, { records: number; bytes: number }>[] {
  return log.files.map((f) => {
    const own = new Map<number, { records: number; bytes: number }>();
    for (const line of f.text.split('\n').filter(Boolean)) {
      const p = (JSON.parse(line) as { p: number }).p;
      const o = own.get(p) ?? { records: 0, bytes: 0 };
      own.set(p, { records: o.records + 1, bytes: o.bytes + Buffer.byteLength(line) + 1 });
    }
    return own;
  });
}

/** What the limit is called in each front end's options. */
function withLimit(m: RotationMode, maxBytes: number): RotationMode {
  const key = m.mode === 'log4js' ? 'maxLogSize' : 'maxBytes';
  return { ...m, options: { ...m.options, [key]: maxBytes } };
}

describe('size rotation splits batches at record boundaries, across processes', () => {
  for (const maxBytes of [1, 81, 8000]) {
    for (const base of MODES) {
      const m = withLimit(base, maxBytes);
      it(`${m.name}, maxBytes ${maxBytes}: ${PROCESSES} processes; every record once, in order; each file within the limit but for what others wrote at the same moment`, async () => {
        const dir = tempDir();
        const rotations = await rotateTogether(m, path.join(dir, 'app.log'), PROCESSES, RECORDS);
        const log = readRotated(dir, m.naming);
        // Lost, torn, duplicated, out of order: 0 / 0 / 0 / 0 across every file.
        expectWholeLog(checkRotated(log, Array(PROCESSES).fill(RECORDS)), PROCESSES * RECORDS);
        expect(clashingNumbers(log)).toEqual([]);
        expect(log.files.length).toBe(rotations.reduce((a, b) => a + b) + 1);
        const own = perProcess(log).flatMap((m) => [...m.values()]);
        // Each process's own records in a file stay within the limit, unless it put one record
        // alone there (without the split, a turn's 50 records went into one file).
        const over = own.filter((o) => o.bytes > maxBytes && o.records > 1);
        expect(over).toEqual([]);
        if (maxBytes < 100) expect(log.files.length).toBeGreaterThanOrEqual(RECORDS);
        // The file as a whole may hold, beyond its first piece (at most the limit, or one
        // record), one piece of each other process: the core README's bound.
        const longest = longestLine(log);
        const piece = Math.max(Math.min(rotationBatch(maxBytes), maxBytes), longest);
        const bound = Math.max(maxBytes, longest) + (PROCESSES - 1) * piece;
        for (const f of log.files) expect(f.size, f.name).toBeLessThanOrEqual(bound);
      });
    }
  }
});
