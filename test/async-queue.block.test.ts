import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { createAsyncQueueWriter } from '@fanin/async-queue';
import { describe, expect, it, onTestFinished } from 'vitest';
import { checkLog, expectWholeLog, type LogRecord, summary } from './helpers/check-log.js';
import { forkFixture, messageOf, tempDir } from './helpers/processes.js';

const { makeRecord } = createRequire(import.meta.url)('./fixtures/records.cjs') as {
  makeRecord(p: number, s: number, bytes: number): LogRecord;
};

// 100 B records, far more than the 64 KiB ring and the 64 KiB pipe hold together: the writes
// can only finish once the reader reads.
const RECORDS = 4000;
const DELAY_MS = 300;

const record = (p: number, s: number) => `${JSON.stringify(makeRecord(p, s, 100))}\n`;

/**
 * A FIFO read by test/fixtures/async-slow-reader.cjs, which reads nothing for DELAY_MS: in its
 * own process, so that it goes on while this thread is blocked in a write. `output()` (once the
 * writer is closed) ends the stream and returns what the reader got.
 */
async function slowReader() {
  const dir = tempDir();
  const fifo = path.join(dir, 'app.fifo');
  const made = spawnSync('mkfifo', [fifo], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`mkfifo failed: ${made.stderr}`);
  // fifo(7): opened for read and write, a FIFO never blocks the open. Held here, it lets the
  // reader's open and the writer thread's open each go on without the other; it never reads.
  const keeper = fs.openSync(fifo, 'r+');
  let open = true;
  const closeKeeper = () => {
    if (open) fs.closeSync(keeper);
    open = false;
  };
  onTestFinished(closeKeeper);
  const out = path.join(dir, 'out.log');
  const reader = forkFixture('async-slow-reader', [fifo, out, String(DELAY_MS)]);
  await messageOf(reader, 'ready');
  return {
    fifo,
    /** When the reader started reading (its clock: Date.now()). */
    readingAt: async () => ((await messageOf(reader, 'reading')) as { at: number }).at,
    async output() {
      closeKeeper();
      expect(await reader.exited).toEqual({ code: 0, signal: null });
      return fs.readFileSync(out, 'utf8');
    },
  };
}

describe.skipIf(process.platform === 'win32')('a full ring with a slow reader', () => {
  it("'block': writes wait until the reader drains the ring, and none is dropped", async () => {
    const r = await slowReader();
    const writer = createAsyncQueueWriter({ filename: r.fifo, capacityBytes: '64K' });
    let refused = 0;
    for (let s = 0; s < RECORDS; s++) if (!writer.write(record(0, s), 'info')) refused++;
    const loopEnded = Date.now();
    await writer.close();

    // The last writes could only go in once the reader had started.
    expect(loopEnded).toBeGreaterThanOrEqual(await r.readingAt());
    expect(refused).toBe(0);
    expect(writer.stats()).toMatchObject({ records: RECORDS, dropped: { total: 0 } });
    expectWholeLog(checkLog(await r.output(), [RECORDS]), RECORDS);
  });

  it('per level: debug records are dropped while error records wait; the drop summaries count every debug loss', async () => {
    const r = await slowReader();
    const writer = createAsyncQueueWriter({
      filename: r.fifo,
      capacityBytes: '64K',
      whenFull: 'drop',
      // Keys in any case: log4js levels are upper case, winston's lower case.
      whenFullByLevel: { DEBUG: 'drop', Error: 'block' },
      // A summary at every accepted write after a loss, so that the last loss is summed too.
      noticeIntervalMs: 0,
    });
    // Process index 0 is the error records, 1 the debug ones (so checkLog keeps them apart).
    const refused = { error: 0, debug: 0 };
    for (let s = 0; s < RECORDS; s++) {
      if (!writer.write(record(0, s), 'error')) refused.error++;
      if (!writer.write(record(1, s), 'debug')) refused.debug++;
    }
    const loopEnded = Date.now();
    // Once the ring is empty, one more record carries the summary of the last losses.
    await writer.flush();
    expect(writer.write(record(0, RECORDS), 'error')).toBe(true);
    await writer.close();

    expect(loopEnded).toBeGreaterThanOrEqual(await r.readingAt());
    expect(refused.error).toBe(0);
    expect(refused.debug).toBeGreaterThan(0);
    expect(writer.stats().dropped).toEqual({
      total: refused.debug,
      byReason: { 'queue-full': refused.debug },
      byLevel: { debug: refused.debug },
    });
    const check = checkLog(await r.output(), [RECORDS + 1, RECORDS]);
    expect(summary(check)).toEqual({
      ...{ total: 2 * RECORDS + 1 - refused.debug, torn: 0, foreign: check.foreign },
      ...{ duplicates: 0, missing: refused.debug, outOfOrder: 0, unexpected: 0 },
    });
    expect(check.byProcess[0]).toMatchObject({ missing: 0, outOfOrder: 0 });
    // Every foreign line is a drop summary; together they count each debug loss once.
    const notices = check.foreignLines as { level: string; fanin: { byLevel: object } }[];
    expect(notices.every((n) => n.level === 'warn')).toBe(true);
    const byLevel: Record<string, number> = {};
    for (const n of notices) {
      for (const [level, count] of Object.entries(n.fanin.byLevel)) {
        byLevel[level] = (byLevel[level] ?? 0) + (count as number);
      }
    }
    expect(byLevel).toEqual({ debug: refused.debug });
  });
});
