import { describe, expect, it } from 'vitest';
import { namePattern, type RotationMode, rotateWhole } from './helpers/rotated-files.js';

const PROCESSES = 3;
const RECORDS = 1200;
const MAX_BYTES = 65536;

const MODES: RotationMode[] = [
  {
    name: 'log4js appender, compress',
    mode: 'log4js',
    naming: 'log4js',
    options: { maxLogSize: '64K', backups: 1000, compress: true },
  },
  {
    name: 'log4js appender, keepFileExt, compress',
    mode: 'log4js',
    naming: 'log4js-keep-ext',
    options: { maxLogSize: MAX_BYTES, backups: 1000, compress: true, keepFileExt: true },
  },
  {
    name: 'winston transport, zippedArchive',
    mode: 'winston',
    naming: 'winston',
    options: { maxsize: MAX_BYTES, zippedArchive: true },
  },
  {
    name: 'winston transport, tailable, zippedArchive',
    mode: 'winston',
    naming: 'winston-tailable',
    options: { maxsize: MAX_BYTES, zippedArchive: true, tailable: true },
  },
];

describe('size rotation with compression', () => {
  for (const m of MODES) {
    it(`${m.name}: ${PROCESSES} processes; once all exited, every rotated file is a whole .gz and every record is there once`, async () => {
      // Every .gz is read whole (a half-written one throws), every record once, within the bound.
      const { log } = await rotateWhole(m, PROCESSES, RECORDS, MAX_BYTES);
      for (const f of log.files) expect(f.name).toMatch(namePattern(m.naming));

      // A process exits only once its compressions are done: only the active file is plain.
      const active = log.files.at(-1);
      expect(active?.compressed).toBe(false);
      const plain = log.files.slice(0, -1).filter((f) => !f.compressed);
      expect(plain.map((f) => f.name)).toEqual([]);
    });
  }
});
