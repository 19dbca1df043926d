import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { checkLog, expectWholeLog } from './helpers/check-log.js';
import { reportOf, tempDir } from './helpers/processes.js';
import { sizeBound, writeTogether } from './helpers/rotated-files.js';

// Size and date rotation together across processes: a per-second pattern and a 16 KiB limit, so
// that a run of 3 s crosses several periods and cuts each into several parts. Every record must
// arrive once, in order per process, in the file of its second, and no file may pass the bound
// of size rotation.
const PROCESSES = 4;
const DURATION_MS = 3000;
const SLACK_MS = 300;
const MAX_BYTES = 16_384;
const RECORD_BYTES = 160;
const LABEL = /\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}/;
// Part number: after the label, before the extension (daily-rotate) or last (log4js-date).
const PART = /\d{2}-\d{2}-\d{2}(?:\.log)?\.(\d+)(?:\.log)?(?:\.gz)?$/;

// batchBytes left to the writer: it picks rotationBatch(maxBytes) under size parts too.
const common = { maxBytes: MAX_BYTES };
const MODES = [
  {
    name: 'log4js-date: app.log renamed to app.log.<date>.N, parts shifted',
    mode: 'writer',
    options: { ...common, datePattern: 'yyyy-MM-dd-hh-mm-ss', dateDialect: 'date-format' },
    active: 'app.log',
    newestPartFirst: true,
  },
  {
    name: 'log4js-date with the date in the active name (alwaysIncludePattern)',
    mode: 'writer',
    options: {
      ...common,
      datePattern: 'yyyy-MM-dd-hh-mm-ss',
      dateDialect: 'date-format',
      dateInName: true,
    },
    newestPartFirst: true,
  },
  {
    name: 'daily-rotate: app-<date>.log, .1, .2… created in turn, compressed',
    mode: 'writer',
    file: 'app-%DATE%.log',
    options: {
      ...common,
      datePattern: 'YYYY-MM-DD-HH-mm-ss',
      dateDialect: 'moment',
      compress: true,
    },
    newestPartFirst: false,
  },
  {
    name: 'daily-rotate, UTC dates',
    mode: 'writer',
    file: 'app-%DATE%.log',
    options: { ...common, datePattern: 'YYYY-MM-DD-HH-mm-ss', dateDialect: 'moment', utc: true },
    newestPartFirst: false,
    utc: true,
  },
] as const;

function startOf(label: string, utc: boolean): number {
  const [y, mo, d, h, mi, s] = label.split('-').map(Number) as number[];
  return utc
    ? Date.UTC(y ?? 0, (mo ?? 1) - 1, d, h, mi, s)
    : new Date(y ?? 0, (mo ?? 1) - 1, d, h, mi, s).getTime();
}

interface Dated {
  name: string;
  label: string;
  part: number;
}

/** The log's files oldest first: by label, then by part as the naming numbers them. */
function ordered(names: string[], newestPartFirst: boolean, active?: string): Dated[] {
  const dated = names
    .map((name) => ({
      name,
      label: LABEL.exec(name)?.[0] ?? '',
      part: Number(PART.exec(name)?.[1] ?? 0),
    }))
    .filter((f) => f.label !== '');
  const sign = newestPartFirst ? -1 : 1;
  dated.sort((a, b) => {
    if (a.label !== b.label) return a.label < b.label ? -1 : 1;
    // A dated hot file (part 0) is the newest of its period under log4js-date.
    if (newestPartFirst && (a.part === 0 || b.part === 0)) return a.part === 0 ? 1 : -1;
    return sign * (a.part - b.part);
  });
  if (active && names.includes(active)) dated.push({ name: active, label: '', part: 0 });
  return dated;
}

function textOf(file: string): string {
  const raw = fs.readFileSync(file);
  return (file.endsWith('.gz') ? zlib.gunzipSync(raw) : raw).toString('utf8');
}

describe('size and date rotation together, across processes', () => {
  for (const m of MODES) {
    it(`${m.name}: ${PROCESSES} processes; every record once, in order; in its period's file; within the bound`, async () => {
      const dir = tempDir();
      const file = path.join(dir, 'file' in m ? m.file : 'app.log');
      const forked = await writeTogether('time-writer', m, file, PROCESSES, DURATION_MS);
      const counts = forked.map((f) => reportOf(f).records);

      const names = fs.readdirSync(dir).sort();
      const active = 'active' in m ? m.active : undefined;
      expect(
        names.filter((n) => !LABEL.test(n) && n !== active),
        'stray files',
      ).toEqual([]);
      const files = ordered(names, m.newestPartFirst, active);
      expect(new Set(files.map((f) => f.label)).size, 'periods crossed').toBeGreaterThanOrEqual(3);
      expect(
        files.some((f) => f.part >= 2),
        'a period cut into parts',
      ).toBe(true);

      const texts = files.map((f) => textOf(path.join(dir, f.name)));
      expectWholeLog(
        checkLog(texts.join(''), counts),
        counts.reduce((a, b) => a + b, 0),
      );
      const bound = sizeBound(MAX_BYTES, PROCESSES, RECORD_BYTES);
      for (const [i, f] of files.entries()) {
        const text = texts[i] ?? '';
        expect(Buffer.byteLength(text), `${f.name} size`).toBeLessThanOrEqual(bound);
        if (!f.label) continue;
        // In the file of the second it was logged in, give or take the moment between logging
        // it and writing its batch (see rotation.time.test.ts).
        const start = startOf(f.label, 'utc' in m);
        for (const line of text.split('\n').filter(Boolean)) {
          const t = (JSON.parse(line) as { t: number }).t;
          expect(t, f.name).toBeGreaterThanOrEqual(start - SLACK_MS);
          expect(t, f.name).toBeLessThan(start + 1000 + SLACK_MS);
        }
      }
    });
  }
});
