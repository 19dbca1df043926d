import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkLog, expectWholeLog } from './helpers/check-log.js';
import { type IpcStats, MIXED, MIXED_RECORDS, readSideFile, spawnFixture } from './helpers/ipc.js';
import { tempDir } from './helpers/processes.js';

const CHILDREN = 3;
const PER_PROCESS = MIXED_RECORDS;

interface ParentDone {
  kind: 'done';
  records: number;
  role: string;
  stats: IpcStats;
  exits: { p: number; code: number | null; signal: string | null }[];
  errors: unknown[];
}

describe("@fanin/ipc via 'parent': forked children forward to the parent that attached them", () => {
  for (const ending of ['close', 'exit'] as const) {
    const how =
      ending === 'close' ? 'children close their writer' : 'children process.exit(0) at once';
    it(`${CHILDREN} children: ${how}; every record of parent and children whole, once, in order`, async () => {
      const dir = tempDir();
      const file = path.join(dir, 'app.log');
      const side = path.join(dir, 'children.jsonl');
      const parent = spawnFixture('ipc-parent', [file, String(CHILDREN), MIXED, ending, side]);
      expect(await parent.exited).toEqual({ code: 0, signal: null });
      const done = parent.lines.find((l) => (l as ParentDone).kind === 'done') as ParentDone;
      expect(done.exits.map((e) => e.code)).toEqual([0, 0, 0]);
      expect(done).toMatchObject({ records: PER_PROCESS, role: 'writer', errors: [] });
      expect(done.stats.dropped.total).toBe(0);

      const check = checkLog(fs.readFileSync(file, 'utf8'), Array(CHILDREN + 1).fill(PER_PROCESS));
      expectWholeLog(check, (CHILDREN + 1) * PER_PROCESS);
      expect(check.switches).toBeGreaterThanOrEqual(CHILDREN);

      const children = readSideFile(side).sort((a, b) => a.p - b.p);
      expect(children.map((c) => c.p)).toEqual([1, 2, 3]);
      for (const c of children) {
        expect(c.records).toBe(PER_PROCESS);
        expect(c.errors).toEqual([]);
        expect(c.stats.ipc).toMatchObject({ role: 'forwarder', resent: 0, writerLost: 0 });
        expect(c.stats.ipc.acked).toBe(c.stats.ipc.forwarded);
        expect(c.stats.ipc.acked + c.stats.ipc.directWrites).toBe(PER_PROCESS);
      }
      const forwarded = children.reduce((n, c) => n + c.stats.ipc.forwarded, 0);
      expect(done.stats.ipc.received).toBe(forwarded);
    });
  }
});
