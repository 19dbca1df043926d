import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkLog, type LogCheck, summary } from './helpers/check-log.js';
import { type FifoReader, readFifo } from './helpers/fifo.js';
import { type Forked, forkFixture, messageOf, reportOf, tempDir } from './helpers/processes.js';

const MODES = ['writer', 'winston', 'log4js'] as const;
const LOGGED = 2033;
// Short bounds, so a stalled pipe costs records within milliseconds instead of seconds.
const OPTIONS = { eagainTimeoutMs: 20, retryMinMs: 10, retryMaxMs: 50 };

// One writer whose stdout is a FIFO nobody reads yet. The fixture creates process.stdout, as an
// app using console does, which makes the pipe non-blocking (libuv): a full pipe then gives
// EAGAIN, and fanin drops the batch after eagainTimeoutMs, counts it, and backs off.
async function stalledWriter(mode: string, ...flags: string[]) {
  const reader = await readFifo(path.join(tempDir(), 'stdout.fifo'), { paused: true });
  const args = [mode, '/dev/stdout', '0', '2000,30,3', 'touch-stdout', ...flags];
  const f = forkFixture('append-writer', args, { stdout: reader.fd, options: OPTIONS });
  await messageOf(f, 'ready');
  f.child.send('go');
  return { reader, f };
}

/** The sum of the losses the loss notices in the stream report. */
function noticedLosses(check: LogCheck): number {
  return check.foreignLines.reduce<number>(
    (sum, line) => sum + ((line as { fanin?: { lost?: number } }).fanin?.lost ?? 0),
    0,
  );
}

// Every record is accounted for: written whole (and joined), or dropped, counted in stats()
// and, when the pipe drained again while the writer lived, reported in the stream by a loss
// notice. Nothing is torn, doubled or reordered.
async function expectEveryRecordAccountedFor(f: Forked, reader: FifoReader, recovered = true) {
  const out = await reader.finish();
  const stats = reportOf(f).stats as NonNullable<ReturnType<typeof reportOf>['stats']>;
  const check = checkLog(out.joined.toString('utf8'), [LOGGED]);
  expect(stats.dropped.total).toBeGreaterThan(0);
  expect(summary(check)).toEqual({
    ...{ total: stats.records, torn: 0, foreign: check.foreign, duplicates: 0 },
    ...{ missing: stats.dropped.total, outOfOrder: 0, unexpected: 0 },
  });
  expect(stats.records + stats.dropped.total).toBe(LOGGED);
  if (recovered) expect(noticedLosses(check)).toBe(stats.dropped.total);
  // A record dropped part-way through its framed chunks is the joiner's to count as lost.
  expect(out.joinStats.garbled).toBe(0);
  expect(out.joinStats.lostRecords).toBeLessThanOrEqual(stats.dropped.total);
}

describe.skipIf(process.platform === 'win32')('a stalled pipe reader', () => {
  for (const mode of MODES) {
    it(`${mode}: records dropped while the reader stalls are counted and noticed in the stream`, async () => {
      const { reader, f } = await stalledWriter(mode, 'report-errors');
      expect(await messageOf(f, 'write-error')).toMatchObject({ reason: 'EAGAIN' });
      reader.resume();
      expect(await f.exited).toEqual({ code: 0, signal: null });
      await expectEveryRecordAccountedFor(f, reader);
    });
  }

  // Nothing but the writer keeps the child's event loop alive while it closes (idle-exit), as at
  // the end of a script: `await writer.close()` must still resolve, at its deadline at the latest,
  // rather than let the process exit mid-close with the caller's continuation never run.
  it('writer: close({ timeoutMs }) resolves at its deadline while the reader stays stalled', async () => {
    const { reader, f } = await stalledWriter('writer', 'close-300ms', 'idle-exit');
    expect(await f.exited).toEqual({ code: 0, signal: null });
    // The pipe never drains while the writer lives, so no loss notice can reach it.
    await expectEveryRecordAccountedFor(f, reader, false);
  });
});
