import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectWholeLog } from './helpers/check-log.js';
import { tempDir } from './helpers/processes.js';
import { checkRotated, readRotated, rotateTogether } from './helpers/rotated-files.js';

const PROCESSES = 3;
const RECORDS = 400;

describe('symlink and audit file across processes (winston-daily-rotate-file createSymlink, auditFile)', () => {
  it(`${PROCESSES} processes, winston naming: the audit lists every file once, in creation order; the symlink names the active file`, async () => {
    const dir = tempDir();
    const audit = path.join(dir, '.audit.json');
    const options = {
      maxBytes: 16_384,
      rotationNaming: 'winston',
      auditFile: audit,
      symlinkName: 'current.log',
    };
    const m = { name: 'writer', mode: 'writer' as const, naming: 'winston' as const, options };
    const rotations = await rotateTogether(m, path.join(dir, 'app.log'), PROCESSES, RECORDS);

    const log = readRotated(dir, 'winston');
    expectWholeLog(checkRotated(log, Array(PROCESSES).fill(RECORDS)), PROCESSES * RECORDS);
    expect(log.files.length).toBe(rotations.reduce((a, b) => a + b) + 1);
    // Beside the log: the audit, the link and the rotation lock's name only; no temporary.
    expect(log.others.filter((n) => n.includes('.tmp'))).toEqual([]);

    // Every update was a read-modify-write under the rotation lock: none lost an entry.
    const json = JSON.parse(fs.readFileSync(audit, 'utf8'));
    const listed = json.files.map((f: { name: string }) => path.basename(f.name));
    expect(listed).toEqual(log.files.map((f) => f.name));
    const dates = json.files.map((f: { date: number }) => f.date);
    expect(dates).toEqual([...dates].sort((a, b) => a - b));

    // The process that made the newest file pointed the link at it, relative.
    expect(fs.readlinkSync(path.join(dir, 'current.log'))).toBe(log.files.at(-1)?.name);
  });
});
