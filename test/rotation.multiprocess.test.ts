import { describe, expect, it } from 'vitest';
import {
  namePattern,
  type RotationMode,
  rotateWhole,
  writerModes,
} from './helpers/rotated-files.js';

const PROCESSES = 4;
// 1500 records of 100 to 3000 bytes a process: about 2.3 MB each, some 140 files of 64 KiB.
const RECORDS = 1500;
const MAX_BYTES = 65536;

// No retention limit, so that every record must still be found at the end.
const MODES: RotationMode[] = [
  ...writerModes({ maxBytes: MAX_BYTES }, undefined, 'writer, '),
  {
    name: 'winston transport',
    mode: 'winston',
    naming: 'winston',
    options: { maxsize: MAX_BYTES },
  },
  {
    name: 'winston transport, tailable',
    mode: 'winston',
    naming: 'winston-tailable',
    options: { maxsize: MAX_BYTES, tailable: true },
  },
  {
    name: 'log4js appender',
    mode: 'log4js',
    naming: 'log4js',
    options: { maxLogSize: '64K', backups: 1000 },
  },
];

describe('size rotation: many processes, one log, no retention limit', () => {
  for (const m of MODES) {
    it(`${m.name}: ${PROCESSES} processes; every record once, in order; files named and sized as documented`, async () => {
      // Every record once, in order, nothing torn, each file within the bound.
      const { log, check, rotations } = await rotateWhole(m, PROCESSES, RECORDS, MAX_BYTES);
      for (const f of log.files) expect(f.name).toMatch(namePattern(m.naming));
      expect(log.files.some((f) => f.compressed)).toBe(false);

      // About 9 MB in 64 KiB files; each rotation made exactly one file, numbered 1 … n.
      expect(log.files.length).toBeGreaterThan(100);
      expect(rotations.reduce((a, b) => a + b)).toBe(log.files.length - 1);
      const numbers = log.files.map((f) => f.number).sort((a, b) => a - b);
      expect(numbers).toEqual(numbers.map((_, i) => i));
      // Not one process after another: each of them rotated, and their records alternate.
      expect(rotations.every((r) => r > 0)).toBe(true);
      // (A loose threshold: how much they interleave depends on scheduling, 37–200 seen here.)
      expect(check.switches).toBeGreaterThan(PROCESSES * 2);
    });
  }
});
