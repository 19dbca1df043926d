import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkLog, type LogCheck, summary } from './helpers/check-log.js';
import { fakeWriter, type IpcReport, shortTempDir } from './helpers/ipc.js';
import { type Forked, forkFixture, messageOf, reportOf } from './helpers/processes.js';

const RECORDS = 300;
// About 40 records of 100 B: the rest of a synchronous burst of 300 cannot be buffered.
const OPTIONS = { whenFull: 'drop', maxBufferBytes: 4096, connectTimeoutMs: 60_000 };

/**
 * The log holds records first … first + kept - 1 of process 0, once and in order, and nothing
 * else of it: the first `kept` records logged were buffered, every later one dropped.
 */
function expectKeptPrefix(check: LogCheck, first: number, kept: number): void {
  expect(summary(check)).toMatchObject({ total: kept, torn: 0, duplicates: 0, outOfOrder: 0 });
  expect(check.records.map((r) => r.s)).toEqual(Array.from({ length: kept }, (_, i) => first + i));
}

/** The loss notice lines of the log (whole JSON lines that are not records). */
function notices(check: LogCheck): string[] {
  return check.foreignLines.map((l) => JSON.stringify(l));
}

/**
 * Once `f` exited cleanly: its report, how many records it dropped (some, all as queue-full)
 * and the check of the file.
 */
async function queueFullDrops(f: Forked, file: string) {
  expect(await f.exited).toEqual({ code: 0, signal: null });
  const done = reportOf(f) as unknown as IpcReport;
  const dropped = done.stats.dropped.byReason['queue-full'] ?? 0;
  expect(dropped).toBeGreaterThan(0);
  expect(done.stats.dropped.total).toBe(dropped);
  return { done, dropped, check: checkLog(fs.readFileSync(file, 'utf8'), [RECORDS]) };
}

describe("@fanin/ipc whenFull 'drop': a tiny buffer and a writer that does not take records", () => {
  it('no writer answers (a parent that never attaches): drops are counted as queue-full, nothing else is lost', async () => {
    const { dir } = shortTempDir();
    const file = path.join(dir, 'app.log');
    // The test process is the parent, and it never attaches the child.
    const f = forkFixture(
      'ipc-peer',
      ['writer', 'parent', file, '0', `${RECORDS},0,0`, 'close', '-', 'sync', 'close-300ms'],
      { options: OPTIONS },
    );
    const { dropped, check } = await queueFullDrops(f, file);
    expectKeptPrefix(check, 0, RECORDS - dropped);
    // The loss is said in the log too, naming the reason.
    expect(notices(check).join('\n'), 'loss notice').toMatch(/queue-full/);
  });

  it('a stalled writer (welcomes, acknowledges nothing after the first batch): drops counted, nothing else lost', async () => {
    const { dir, sock } = shortTempDir();
    const file = path.join(dir, 'app.log');
    await fakeWriter(sock, { ackFirst: 1 });
    const f = forkFixture(
      'ipc-peer',
      [
        ...['writer', sock, file, '0', `${RECORDS},0,0`, 'close', '-'],
        ...['settle', 'wait', 'sync', 'close-300ms'],
      ],
      { options: OPTIONS },
    );
    // Connected, record 0 acknowledged (by the stand-in, which writes nothing).
    expect(await messageOf(f, 'ready')).toMatchObject({ role: 'forwarder' });
    f.child.send('go');
    const { done, dropped, check } = await queueFullDrops(f, file);
    // Records 1 … : what was in flight to the stalled writer and what was pending, written by
    // the forwarder itself at close (the in-flight ones counted as resent).
    expectKeptPrefix(check, 1, RECORDS - 1 - dropped);
    expect(done.stats.ipc.resent).toBeGreaterThan(0);
    expect(notices(check).join('\n'), 'loss notice').toMatch(/queue-full/);
  });
});
