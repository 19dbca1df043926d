import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkLog, expectOnlyMissing } from './helpers/check-log.js';
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

const PROCESSES = 4;
const RECORDS = 1000;
const MAX_BYTES = 65536;

// Each mode keeps four files in all: log4js's `backups: 3` counts rotated files only, winston's
// `maxFiles: 4` counts the active file too.
const MODES: (RotationMode & { numbers: 'fixed' | 'last four' })[] = [
  {
    name: 'writer, log4js naming, backups 3',
    mode: 'writer',
    naming: 'log4js',
    options: { maxBytes: MAX_BYTES, backups: 3 },
    numbers: 'fixed',
  },
  {
    name: 'writer, winston naming, backups 3',
    mode: 'writer',
    naming: 'winston',
    options: { maxBytes: MAX_BYTES, backups: 3, rotationNaming: 'winston' },
    numbers: 'last four',
  },
  {
    name: 'winston transport, maxFiles 4',
    mode: 'winston',
    naming: 'winston',
    options: { maxsize: MAX_BYTES, maxFiles: 4 },
    numbers: 'last four',
  },
  {
    name: 'winston transport, tailable, maxFiles 4',
    mode: 'winston',
    naming: 'winston-tailable',
    options: { maxsize: MAX_BYTES, maxFiles: 4, tailable: true },
    numbers: 'fixed',
  },
  {
    name: 'log4js appender, backups 3',
    mode: 'log4js',
    naming: 'log4js',
    options: { maxLogSize: MAX_BYTES, backups: 3 },
    numbers: 'fixed',
  },
  {
    name: 'log4js appender, keepFileExt, backups 3',
    mode: 'log4js',
    naming: 'log4js-keep-ext',
    options: { maxLogSize: '64K', backups: 3, keepFileExt: true },
    numbers: 'fixed',
  },
];

describe('size rotation: retention of a few files', () => {
  for (const m of MODES) {
    const test = it;
    test(`${m.name}: ${PROCESSES} processes; four files kept, nothing torn or repeated, newest records kept`, async () => {
      const dir = tempDir();
      const rotations = await rotateTogether(m, path.join(dir, 'app.log'), PROCESSES, RECORDS);
      expect(rotations.reduce((a, b) => a + b)).toBeGreaterThan(20);

      const log = readRotated(dir, m.naming);
      expectTidyLog(log, sizeBound(MAX_BYTES, PROCESSES, longestLine(log)));
      for (const f of log.files) expect(f.name).toMatch(namePattern(m.naming));
      const numbers = log.files.map((f) => f.number);
      const newest = Math.max(...numbers);
      expect(numbers).toEqual(
        m.numbers === 'fixed' ? [3, 2, 1, 0] : [3, 2, 1, 0].map((i) => newest - i),
      );

      // Older records went with the deleted files (a process that finished early may have none
      // left); the ones kept are whole, each once, in order per process. No rotation, so no
      // deletion, follows the last write: the last record of the process that finished last is
      // kept, in the newest file.
      const check = checkRotated(log, Array(PROCESSES).fill(RECORDS));
      const missing = expectOnlyMissing(check);
      expect(missing).toBeGreaterThan(0);
      const newestFile = checkLog(log.files.at(-1)?.text ?? '', Array(PROCESSES).fill(RECORDS));
      expect(newestFile.records.some((r) => r.s === RECORDS - 1)).toBe(true);
    });
  }
});
