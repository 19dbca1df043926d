import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkLog, type LogCheck } from '@fanin/core/testing';
import { describe, expect, it } from 'vitest';
import { expectCleanExits, forkFixture, reportOf, startTogether } from '../helpers/processes.js';
import { isRoot, readOnlyDir, sharedTempDir, unprivileged } from '../helpers/unprivileged.js';

// Fault: the log's directory is not writable by the user the writers run as (a log directory
// owned by root, an app running as nobody), while the log file itself is (mode 0666). Appends
// work; a size rotation needs its lock file and rename(2) in the directory, which fail with
// EACCES (open(2), rename(2): "write permission is denied for the directory"). When the tests
// run as root, the writers run as nobody, since root ignores directory permissions.
const PROCESSES = 3;
const COUNTS = '400,8,0';
const PER_PROCESS = 408;
const MAX_BYTES = 32 * 1024;

interface Run {
  file: string;
  dir: string;
  check: LogCheck;
  errors: { reason?: string; message?: string }[];
  logged: number[];
}

/** Three writers (append-file, rotating at 32 KiB) log into app.log of a read-only directory. */
async function runInReadOnlyDir(): Promise<Run> {
  const dir = readOnlyDir(sharedTempDir(), 'logs');
  const file = path.join(dir, 'app.log');
  fs.chmodSync(dir, 0o777);
  fs.writeFileSync(file, '');
  fs.chmodSync(file, 0o666);
  fs.chmodSync(dir, isRoot ? 0o755 : 0o555);
  const options = JSON.stringify({ maxBytes: MAX_BYTES, backups: 3 });
  const args = (p: number) => ['append', 'writer', file, String(p), COUNTS, options];
  const forked = Array.from({ length: PROCESSES }, (_, p) =>
    // close-300ms: records still queued at the end are given up (and counted) after 300 ms.
    forkFixture('writer', [...args(p), 'report-errors', 'close-300ms'], { user: unprivileged() }),
  );
  await startTogether(forked);
  await expectCleanExits(forked);
  const reports = forked.map(reportOf);
  const errors = forked.flatMap((f) =>
    f.messages.filter((m) => (m as { kind?: string }).kind === 'write-error'),
  ) as Run['errors'];
  const expected = reports.map((r) => ({ logged: r.records, dropped: r.stats?.dropped.total }));
  const check = checkLog(fs.readFileSync(file), expected);
  return { file, dir, check, errors, logged: reports.map((r) => r.records) };
}

describe(`fault: a read-only log directory (writers ${isRoot ? 'as nobody' : 'as this user'})`, () => {
  it('the error names the path; every loss is counted; nothing torn, repeated or reordered', async () => {
    const { file, dir, check, errors, logged } = await runInReadOnlyDir();
    expect(logged).toEqual(Array(PROCESSES).fill(PER_PROCESS));
    expect(errors.length, 'the failure is reported').toBeGreaterThan(0);
    expect(errors[0]?.message ?? '').toContain(file);
    const { torn, duplicates, outOfOrder, unexpected, uncounted } = check;
    expect({ torn, duplicates, outOfOrder, unexpected, uncounted }).toEqual({
      ...{ torn: 0, duplicates: 0, outOfOrder: 0, unexpected: 0 },
      uncounted: 0,
    });
    expect(fs.readdirSync(dir), 'no file could be made beside the log').toEqual(['app.log']);
  });

  // Found here: append-file dropped the batch and every later one (995 of 1,224 records, counted
  // as EACCES or close-timeout) although app.log itself is writable. Now the rotation that cannot
  // happen is reported once and the file grows past maxBytes.
  it('no record is lost: the log grows past maxBytes instead, the failure reported once', async () => {
    const { check, errors, file } = await runInReadOnlyDir();
    expect(check.missing).toBe(0);
    expect(fs.statSync(file).size).toBeGreaterThan(MAX_BYTES);
    const rotationErrors = errors.filter((e) => /cannot rotate/.test(e.message ?? ''));
    expect(rotationErrors.length, 'once per process').toBeLessThanOrEqual(PROCESSES);
  });
});
