import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { checkLog, expectWholeLog } from './helpers/check-log.js';
import {
  expectCleanExits,
  type Forked,
  forkFixture,
  messageOf,
  reportOf,
  tempDir,
} from './helpers/processes.js';
import {
  ask,
  checkRotated,
  expectTidyLog,
  type Naming,
  readRotated,
} from './helpers/rotated-files.js';

const MAX_BYTES = 65536;
const NAMINGS = ['log4js', 'winston-tailable', 'winston'] as const satisfies Naming[];
const SCENARIOS = {
  // reopenCheckMs 0: the late writer checks its path before every batch, so the test needs no
  // wait for the check interval to pass.
  'others rotated': { reopenCheckMs: 0 },
  'retention deleted its file': { reopenCheckMs: 0, backups: 1 },
  'its file was compressed': { reopenCheckMs: 0, compress: true },
} as const;

async function stepper(file: string, p: number, options: object): Promise<Forked> {
  const f = forkFixture('rotate-stepper', [file, String(p), JSON.stringify(options)]);
  await messageOf(f, 'ready');
  return f;
}

/** Whether every file but the active one is compressed. */
function allRotatedCompressed(dir: string, naming: Naming): boolean {
  const { files } = readRotated(dir, naming);
  return files.length > 1 && files.slice(0, -1).every((f) => f.compressed);
}

describe('size rotation: a writer that logs again after others rotated its file away', () => {
  for (const naming of NAMINGS) {
    for (const [scenario, extra] of Object.entries(SCENARIOS)) {
      const test = it;
      test(`${naming} naming, ${scenario}: its next record goes to the newest file; names stay as configured`, async () => {
        const dir = tempDir();
        const file = path.join(dir, 'app.log');
        const options = { maxBytes: MAX_BYTES, rotationNaming: naming, ...extra };
        const late = await stepper(file, 0, options);
        const busy = await stepper(file, 1, options);

        await ask(late, { kind: 'log', count: 1, bytes: 100 });
        // About 300 KB: four or five rotations, the late writer's file among the rotated ones.
        await ask(busy, { kind: 'log', count: 100, bytes: 3000 });
        if ('compress' in extra) {
          await vi.waitFor(() => expect(allRotatedCompressed(dir, naming)).toBe(true), {
            timeout: 10_000,
            interval: 50,
          });
        }
        await ask(late, { kind: 'log', count: 1, bytes: 100 });

        const newest = readRotated(dir, naming).files.at(-1);
        expect(
          checkLog(newest?.text ?? '', [2, 100]).records.map((r) => [r.p, r.s]),
        ).toContainEqual([0, 1]);
        for (const f of [late, busy]) f.child.send('stop');
        await expectCleanExits([late, busy]);
        expect([reportOf(late).records, reportOf(busy).records]).toEqual([2, 100]);

        const log = readRotated(dir, naming);
        expectTidyLog(log, MAX_BYTES);
        if ('backups' in extra) expect(log.files.length).toBe(2);
        else expectWholeLog(checkRotated(log, [2, 100]), 102);
        if ('compress' in extra)
          expect(log.files.slice(0, -1).every((f) => f.compressed)).toBe(true);
        expect(fs.readdirSync(dir).length).toBe(log.files.length);
      });
    }
  }
});
