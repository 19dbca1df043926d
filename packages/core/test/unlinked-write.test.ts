import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { createFileWriter } from '../src/index.js';
import { type FileDriver, nodeFileDriver } from '../src/system/file-driver.js';

// fanin #14 item 6b: a writer that did its per-batch fstat, then was descheduled before its
// write(2) while another process rotated the file and the compressor (or retention) removed
// it, wrote its batch into an unlinked inode: lost, not counted. The race is staged for real:
// this process's writer stops inside its write call (after the batch's fstat), and a second
// process (the built bundle) rotates the log, compresses or deletes the rotated file and exits
// before the write goes on.
const DIST = fileURLToPath(new URL('../dist/index.cjs', import.meta.url));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fanin-unlinked-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

// The other process: logs `records` records of 600 bytes into the log (rotated at 1000 bytes: each
// rotates the file before it), then closes (close waits for compressions and removals).
const rotator = path.join(tmp, 'rotator.cjs');
fs.writeFileSync(
  rotator,
  `'use strict';
const { createFileWriter } = require(${JSON.stringify(DIST)});
const [file, options, records] = process.argv.slice(2);
const writer = createFileWriter({ filename: file, ...JSON.parse(options) });
(async () => {
  for (let s = 0; s < Number(records); s++) {
    writer.write(JSON.stringify({ p: 1, s, pad: 'y'.repeat(560) }) + '\\n');
    await writer.flush();
  }
  await writer.close();
})();
`,
);

const record = (s: number) => `${JSON.stringify({ p: 0, s, pad: 'x'.repeat(40) })}\n`;

// Every record in every file of the log (rotated and .gz ones too), counted by producer and seq.
function countRecords(dir: string): Map<string, number> {
  const seen = new Map<string, number>();
  for (const name of fs.readdirSync(dir)) {
    if (!name.startsWith('app.log')) continue;
    const raw = fs.readFileSync(path.join(dir, name));
    const text = (name.endsWith('.gz') ? zlib.gunzipSync(raw) : raw).toString('utf8');
    for (const line of text.split('\n')) {
      if (!line) continue;
      const r = JSON.parse(line) as { p: number; s: number };
      const key = `${r.p}:${r.s}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
  }
  return seen;
}

/**
 * Logs 10 records a batch in three batches; the second batch's write waits (inside the driver's
 * write, after the batch's fstat) until the rotator process has run to its end.
 */
async function raceOnce(dir: string, options: object, rotations: number) {
  const file = path.join(dir, 'app.log');
  let writes = 0;
  let rotatorRan = false;
  const pauseOnSecond = () => {
    if (++writes !== 2 || rotatorRan) return;
    rotatorRan = true;
    execFileSync(process.execPath, [rotator, file, JSON.stringify(options), `${rotations}`], {
      timeout: 20_000,
    });
  };
  const writev = nodeFileDriver.writev as NonNullable<FileDriver['writev']>;
  const pausing: FileDriver = {
    ...nodeFileDriver,
    write(fd, data) {
      pauseOnSecond();
      return nodeFileDriver.write(fd, data);
    },
    writev(fd, parts) {
      pauseOnSecond();
      return writev(fd, parts);
    },
  };
  const writer = createFileWriter({ filename: file, driver: pausing, ...options });
  for (let batch = 0; batch < 3; batch++) {
    for (let s = batch * 10; s < batch * 10 + 10; s++) writer.write(record(s));
    await writer.flush();
  }
  await writer.close();
  expect(rotatorRan).toBe(true);
  return { seen: countRecords(dir), stats: writer.stats() };
}

describe('a batch written into a file removed between its fstat and its write(2)', () => {
  it('has a build to run', () => {
    expect(fs.existsSync(DIST)).toBe(true);
  });

  it('compress: the batch is written again into the live file, every record once', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'gz-'));
    const { seen, stats } = await raceOnce(
      dir,
      { maxBytes: 1000, compress: true, backups: 100 },
      3,
    );
    const missing: string[] = [];
    const twice: string[] = [];
    for (const [p, n] of [
      [0, 30],
      [1, 3],
    ] as const) {
      for (let s = 0; s < n; s++) {
        const c = seen.get(`${p}:${s}`) ?? 0;
        if (c === 0) missing.push(`${p}:${s}`);
        if (c > 1) twice.push(`${p}:${s}`);
      }
    }
    expect({ missing, twice }).toEqual({ missing: [], twice: [] });
    expect(stats.dropped.total).toBe(0);
    // Nothing but the log, its archives and the active file is left.
    expect(fs.readdirSync(dir).filter((n) => n.startsWith('.'))).toEqual([]);
  }, 30_000);

  it('retention (backups 1): the batch is written again into the live file', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'keep0-'));
    const { seen, stats } = await raceOnce(dir, { maxBytes: 1000, backups: 1 }, 3);
    // The rotator's second rotation deletes the writer's file (app.log.2, past backups 1) with
    // records 0-9 in it (the policy); the batch that was in flight (10-19) and the one after it
    // (20-29) are in the log, once each.
    const after = Array.from({ length: 20 }, (_, i) => seen.get(`0:${i + 10}`) ?? 0);
    expect(after).toEqual(Array(20).fill(1));
    expect(stats.dropped.total).toBe(0);
  }, 30_000);
});

describe('the removal mark, seen by the batch fstat', () => {
  const lines = (file: string) => fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);

  it('a file marked after it was opened is left before the batch: the batch goes to the path', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'mark-'));
    const file = path.join(dir, 'app.log');
    // A path check far away: only the mark can send the second batch to the new file.
    const writer = createFileWriter({ filename: file, maxBytes: 1 << 20, reopenCheckMs: 60_000 });
    writer.write(record(0));
    await writer.flush();
    // What a remover does to a rotated file before it removes it (removal-mark.ts).
    fs.renameSync(file, `${file}.1`);
    fs.chmodSync(`${file}.1`, fs.statSync(`${file}.1`).mode | 0o1000);
    writer.write(record(1));
    await writer.close();
    expect(lines(`${file}.1`)).toEqual([record(0).trim()]);
    expect(lines(file)).toEqual([record(1).trim()]);
    expect(writer.stats().reopenings).toBe(1);
  });

  it("a log that has the sticky bit when opened (the user's) is written as any other", async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'sticky-'));
    const file = path.join(dir, 'app.log');
    fs.writeFileSync(file, '');
    fs.chmodSync(file, 0o1644);
    const writer = createFileWriter({ filename: file, maxBytes: 1 << 20 });
    for (let s = 0; s < 3; s++) {
      writer.write(record(s));
      await writer.flush();
    }
    await writer.close();
    expect(lines(file)).toHaveLength(3);
    expect(writer.stats().reopenings).toBe(0);
  });
});
