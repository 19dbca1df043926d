import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectWholeLog } from './helpers/check-log.js';
import { tempDir } from './helpers/processes.js';
import {
  checkRotated,
  expectTidyLog,
  longestLine,
  namePattern,
  type RotationMode,
  readRotated,
  rotateTogether,
  sizeBound,
} from './helpers/rotated-files.js';

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
      const dir = tempDir();
      const rotations = await rotateTogether(m, path.join(dir, 'app.log'), PROCESSES, RECORDS);

      // readRotated gunzips every .gz: a half-written one throws here.
      const log = readRotated(dir, m.naming);
      expectWholeLog(checkRotated(log, Array(PROCESSES).fill(RECORDS)), PROCESSES * RECORDS);
      expectTidyLog(log, sizeBound(MAX_BYTES, PROCESSES, longestLine(log)));
      for (const f of log.files) expect(f.name).toMatch(namePattern(m.naming));
      expect(log.files.length).toBe(rotations.reduce((a, b) => a + b) + 1);

      // A process exits only once its compressions are done: only the active file is plain.
      const active = log.files.at(-1);
      expect(active?.compressed).toBe(false);
      const plain = log.files.slice(0, -1).filter((f) => !f.compressed);
      expect(plain.map((f) => f.name)).toEqual([]);
    });
  }
});
