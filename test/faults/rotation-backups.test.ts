import { describe, expect, it } from 'vitest';
import { rotateWhole, writerModes } from '../helpers/rotated-files.js';

// fanin #14 item 4: with backups 100000 every rotation probed every number up to backups
// (1.8 M failing statx for 67 rotations, 54.8 s) under the rotation lock; with 4 processes the
// others gave up waiting for the lock and wrote on, and a file reached 800 KB against the
// stated bound of 665 KB. A rotation now costs O(files that exist).
const PROCESSES = 4;
const RECORDS = 1500;
const MAX_BYTES = 65536;

const MODES = writerModes({ maxBytes: MAX_BYTES, backups: 100_000 });

describe('fault: rotation with a very large backups', () => {
  for (const m of MODES) {
    it(`${m.name}, backups 100000, ${PROCESSES} processes: no file over the bound, every record once`, async () => {
      // Every record once, in order, nothing torn, each file within the README's bound.
      const { log } = await rotateWhole(m, PROCESSES, RECORDS, MAX_BYTES);
      expect(log.files.length).toBeGreaterThan(50);
    });
  }
});
