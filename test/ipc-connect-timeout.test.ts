import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkLog, expectWholeLog } from './helpers/check-log.js';
import { clusterPrimary } from './helpers/cluster.js';
import { type IpcReport, planned, readSideFile, spawnFixture } from './helpers/ipc.js';
import { messageOf, tempDir } from './helpers/processes.js';

const COUNTS = '400,4,1';
const PER_PROCESS = planned(COUNTS);
const OPTIONS = { connectTimeoutMs: 500 };

/** A process whose writer never answered: role 'direct', one report naming why, no loss. */
function expectWroteDirectly(r: IpcReport, over: string): void {
  expect(r.records).toBe(PER_PROCESS);
  expect(r.role).toBe('direct');
  expect(r.errors).toHaveLength(1);
  expect(r.errors[0]?.code).toBe('ERR_FANIN_OPEN');
  expect(r.errors[0]?.message).toMatch(
    // close() while still connecting writes at once (#19) rather than wait out the timeout.
    new RegExp(
      `no fanin writer answered over ${over} (in 500 ms|before close\\(\\)); writing directly`,
    ),
  );
  expect(r.stats.ipc).toMatchObject({ forwarded: 0, acked: 0, directWrites: PER_PROCESS });
  expect(r.stats.dropped.total).toBe(0);
}

describe('@fanin/ipc connectTimeoutMs: nobody answers, the process writes directly', () => {
  it('cluster workers whose primary has no fanin writer', async () => {
    const { primary, file, side } = clusterPrimary({
      ...{ workers: 2, counts: COUNTS, ending: 'close' },
      ...{ flags: ['no-writer'], options: OPTIONS },
    });
    expect(await primary.exited).toEqual({ code: 0, signal: null });
    expect(await messageOf(primary, 'primary-done')).toMatchObject({
      exits: [
        { code: 0, signal: null },
        { code: 0, signal: null },
      ],
    });
    const workers = readSideFile(side).sort((a, b) => a.p - b.p);
    expect(workers.map((w) => w.p)).toEqual([1, 2]);
    for (const w of workers) expectWroteDirectly(w, 'the cluster channel');
    const check = checkLog(fs.readFileSync(file, 'utf8'), [0, PER_PROCESS, PER_PROCESS]);
    expectWholeLog(check, 2 * PER_PROCESS);
  });

  it("forked children whose parent never calls attach() (via 'parent')", async () => {
    const dir = tempDir();
    const file = path.join(dir, 'app.log');
    const side = path.join(dir, 'children.jsonl');
    const parent = spawnFixture(
      'ipc-parent',
      [file, '2', COUNTS, 'close', side, 'no-attach'],
      OPTIONS,
    );
    expect(await parent.exited).toEqual({ code: 0, signal: null });
    expect(parent.lines[0]).toMatchObject({ role: 'writer', errors: [] });
    const children = readSideFile(side).sort((a, b) => a.p - b.p);
    expect(children.map((c) => c.p)).toEqual([1, 2]);
    for (const c of children) expectWroteDirectly(c, 'the parent channel');
    const check = checkLog(fs.readFileSync(file, 'utf8'), Array(3).fill(PER_PROCESS));
    expectWholeLog(check, 3 * PER_PROCESS);
  });
});
