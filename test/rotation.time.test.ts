import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkLog, expectWholeLog } from './helpers/check-log.js';
import { reportOf, tempDir } from './helpers/processes.js';
import { writeTogether } from './helpers/rotated-files.js';

// Time rotation across processes, with a per-second pattern so that a run of 3 s crosses
// several periods: the same rule as for days, at a scale a test can wait for.
const PROCESSES = 4;
const DURATION_MS = 3000;
const SLACK_MS = 300;
const LABEL = /\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}/;

const MODES = [
  {
    name: 'writer, rename when the period ends',
    mode: 'writer',
    options: { datePattern: 'yyyy-MM-dd-hh-mm-ss' },
    active: 'app.log',
  },
  {
    name: 'winston, %DATE% in the filename',
    mode: 'winston',
    file: 'app-%DATE%.log',
    options: { datePattern: 'YYYY-MM-DD-HH-mm-ss' },
  },
  {
    name: 'log4js, pattern with alwaysIncludePattern',
    mode: 'log4js',
    options: { pattern: 'yyyy-MM-dd-hh-mm-ss', alwaysIncludePattern: true, numBackups: 1000 },
  },
  {
    name: 'log4js, pattern (the active file keeps its name)',
    mode: 'log4js',
    options: { pattern: 'yyyy-MM-dd-hh-mm-ss', numBackups: 1000 },
    active: 'app.log',
  },
] as const;

/** The period a file's name says, as a local-time timestamp; undefined for the active file. */
function periodOf(name: string): number | undefined {
  const label = LABEL.exec(name)?.[0];
  if (!label) return undefined;
  const [y, mo, d, h, mi, s] = label.split('-').map(Number) as number[];
  return new Date(y ?? 0, (mo ?? 1) - 1, d, h, mi, s).getTime();
}

describe('time rotation: processes cross period boundaries together', () => {
  for (const m of MODES) {
    it(`${m.name}: ${PROCESSES} processes; every record once, in order; each in its period's file`, async () => {
      const dir = tempDir();
      const file = path.join(dir, 'file' in m ? m.file : 'app.log');
      const forked = await writeTogether('time-writer', m, file, PROCESSES, DURATION_MS);
      const counts = forked.map((f) => reportOf(f).records);

      const names = fs.readdirSync(dir).sort();
      expect(
        names.filter((n) => !LABEL.test(n) && n !== ('active' in m ? m.active : '')),
        'stray files',
      ).toEqual([]);
      // Oldest first: dated files by their period, then the active file (if it keeps its name).
      const ordered = names
        .filter((n) => LABEL.test(n))
        .sort((a, b) => (periodOf(a) ?? 0) - (periodOf(b) ?? 0));
      if ('active' in m && names.includes(m.active)) ordered.push(m.active);
      expect(ordered.length, 'a file per second crossed').toBeGreaterThanOrEqual(3);

      const texts = ordered.map((n) => fs.readFileSync(path.join(dir, n), 'utf8'));
      expectWholeLog(
        checkLog(texts.join(''), counts),
        counts.reduce((a, b) => a + b, 0),
      );

      // Each record is in the file of the second it was logged in, give or take the moment
      // between logging it and writing its batch (the period is checked at the write: one
      // event-loop turn, longer when the test machine is loaded), and a batch checked just
      // before a boundary and written just after: SLACK_MS either way.
      for (const [i, name] of ordered.entries()) {
        const start = periodOf(name);
        if (start === undefined) continue;
        for (const line of (texts[i] ?? '').split('\n').filter(Boolean)) {
          const t = (JSON.parse(line) as { t: number }).t;
          expect(t, `${name}`).toBeGreaterThanOrEqual(start - SLACK_MS);
          expect(t, `${name}`).toBeLessThan(start + 1000 + SLACK_MS);
        }
      }
    });
  }
});
