import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers/processes.js';
import { writeTogether } from './helpers/rotated-files.js';

// winston-daily-rotate-file's symlink and audit file kept by several processes at once: the
// symlink ends on the newest file, the audit lists each file once, exactly the files retention
// kept, and nothing else is left in the directory.
const PROCESSES = 3;
const DURATION_MS = 2500;
const BACKUPS = 4;
const LABEL = /\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}/;

interface Audit {
  keep: { days: boolean; amount: number };
  auditLog: string;
  files: { date: number; name: string; hash: string }[];
  hashType: string;
}

/** Newest first: by label, then by part number (daily-rotate counts up). */
function newestFirst(names: string[]): string[] {
  const part = (n: string) => Number(/\.log\.(\d+)$/.exec(n)?.[1] ?? 0);
  return [...names].sort((a, b) => {
    const la = LABEL.exec(a)?.[0] ?? '';
    const lb = LABEL.exec(b)?.[0] ?? '';
    return la === lb ? part(b) - part(a) : la < lb ? 1 : -1;
  });
}

describe('daily-rotate symlink and audit file, across processes', () => {
  it(`${PROCESSES} processes: the symlink names the newest file; the audit lists the kept files once each`, async () => {
    const dir = tempDir();
    const audit = path.join(dir, '.audit.json');
    const m = {
      mode: 'writer',
      options: {
        datePattern: 'YYYY-MM-DD-HH-mm-ss',
        dateDialect: 'moment',
        maxBytes: 32_768,
        backups: BACKUPS,
        symlinkName: 'current.log',
        auditFile: audit,
      },
    };
    await writeTogether('time-writer', m, path.join(dir, 'app-%DATE%.log'), PROCESSES, DURATION_MS);

    const names = fs.readdirSync(dir);
    const dated = names.filter((n) => LABEL.test(n));
    expect(names.filter((n) => !LABEL.test(n)).sort(), 'stray files').toEqual([
      '.audit.json',
      'current.log',
    ]);
    expect(dated.length, 'files kept').toBe(BACKUPS + 1);
    expect(fs.lstatSync(path.join(dir, 'current.log')).isSymbolicLink()).toBe(true);
    expect(fs.readlinkSync(path.join(dir, 'current.log'))).toBe(newestFirst(dated)[0]);

    const json = JSON.parse(fs.readFileSync(audit, 'utf8')) as Audit;
    expect(json.keep).toEqual({ days: false, amount: BACKUPS + 1 });
    expect(json.hashType).toBe('sha256');
    const listed = json.files.map((f) => path.basename(f.name));
    expect(new Set(listed).size, 'each file once').toBe(listed.length);
    expect(listed.sort()).toEqual([...dated].sort());
    for (const f of json.files) {
      expect(f.hash).toBe(createHash('sha256').update(`${f.name}LOG_FILE${f.date}`).digest('hex'));
    }
    // The audit lists files in the order they became active.
    expect(json.files.map((f) => path.basename(f.name))).toEqual(newestFirst(dated).reverse());

    // What was kept is whole: every line one record.
    for (const name of dated) {
      const text = fs.readFileSync(path.join(dir, name), 'utf8');
      expect(text.endsWith('\n') || text === '', name).toBe(true);
      for (const line of text.split('\n').filter(Boolean))
        expect(() => JSON.parse(line)).not.toThrow();
    }
  });
});
