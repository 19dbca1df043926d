import { describe, expect, it, vi } from 'vitest';
import { type FaninError, type FaninWriteError, mergeStats, WriterAccount } from '../src/index.js';
import { memWriter, noticeOf, rec, until } from './helpers.js';

type Setup = ReturnType<typeof memWriter>;

/** Each reason a BatchWriter drops for, set up for real, with the records it must count. */
const REASONS: { reason: string; lost: number; run: (s: Setup) => Promise<void> }[] = [
  {
    reason: 'oversize',
    lost: 2,
    run: async ({ writer }) => {
      writer.write(`${'x'.repeat(200)}\n`, 'warn');
      writer.write(`${'x'.repeat(300)}\n`, 'warn');
    },
  },
  {
    reason: 'invalid-record',
    lost: 2,
    run: async ({ writer }) => {
      writer.write(42 as unknown as string, 'warn');
      writer.write({} as unknown as string, 'warn');
    },
  },
  {
    reason: 'queue-full',
    lost: 3,
    run: async ({ writer }) => {
      for (let i = 0; i < 8; i++) writer.write(rec(i, 19), 'warn');
    },
  },
  // A failed write of the batch that holds both records, once per error code.
  ...(['ENOSPC', 'EIO'] as const).map((code) => ({
    reason: code,
    lost: 2,
    run: async ({ fault, writer }: Setup) => {
      fault.failWrites(code, 1);
      writer.write(rec(1), 'warn');
      writer.write(rec(2), 'warn');
    },
  })),
];

describe('the loss account: every reason counted, reported once, noted in the log', () => {
  for (const { reason, lost, run } of REASONS) {
    it(`${reason}: counted by reason and level, reported once, and a notice in the log`, async () => {
      const setup = memWriter({ maxRecordBytes: 100, maxBufferBytes: 100, retryMinMs: 5 });
      const { writer, onError, lines } = setup;
      await run(setup);
      await until(() => expect(writer.stats().dropped.total).toBe(lost));
      await writer.flush();
      writer.write(rec(99), 'info');
      await writer.flush();
      await until(() => expect(lines().some((l) => noticeOf(l))).toBe(true));
      expect(writer.stats().dropped).toEqual({
        total: lost,
        byReason: { [reason]: lost },
        byLevel: { warn: lost },
      });
      const reports = onError.mock.calls.map(([e]) => e as FaninWriteError);
      expect(reports[0]).toMatchObject({ reason });
      // One report when it started; at most one summary with the count when it ended.
      expect(reports.length).toBeLessThanOrEqual(2);
      if (reports[1]) expect(reports[1]).toMatchObject({ reason, records: lost });
      const notices = lines().flatMap((l) => noticeOf(l) ?? []);
      expect(notices.reduce((n, x) => n + x.lost, 0)).toBe(lost);
      expect(notices[0]?.byReason).toEqual({ [reason]: lost });
      await writer.close();
    });
  }

  it('close-timeout: what close abandons is counted, reported once, and noted by the close', async () => {
    const { fault, writer, onError, lines } = memWriter({ retryMinMs: 1000 });
    fault.failWrites('EIO', 1);
    writer.write(rec(1), 'info');
    writer.flushSync();
    writer.write(rec(2), 'warn');
    writer.write(rec(3), 'warn');
    const outcome = await writer.close({ timeoutMs: 20 });
    expect(outcome).toMatchObject({ abandoned: 2, timedOut: true });
    expect(writer.stats().dropped.byReason).toEqual({ EIO: 1, 'close-timeout': 2 });
    const reasons = onError.mock.calls.map(([e]) => (e as FaninWriteError).reason);
    expect(reasons.filter((r) => r === 'close-timeout')).toHaveLength(1);
    const notice = noticeOf(lines().at(-1) ?? '');
    expect(notice).toMatchObject({ lost: 3, byReason: { EIO: 1, 'close-timeout': 2 } });
  });

  it('ENOSPC for many retries: one start report and one end summary with the count', async () => {
    const { fault, writer, onError } = memWriter({ retryMinMs: 1, retryMaxMs: 2 });
    // Every write fails (the retried notice too) until the disk has room again.
    fault.failWrites('ENOSPC', 10_000);
    for (let i = 0; i < 30; i++) {
      writer.write(rec(i), 'info');
      await until(() => expect(writer.stats().dropped.total).toBe(i + 1));
    }
    fault.clearFaults();
    writer.write(rec(30), 'info');
    await until(() => expect(writer.stats().records).toBe(1));
    const reports = onError.mock.calls.map(([e]) => e as FaninWriteError);
    expect(reports.map((e) => [e.reason, e.records])).toEqual([
      ['ENOSPC', 1],
      ['ENOSPC', 30],
    ]);
    expect(reports[1]?.message).toMatch(/ENOSPC ended after .* 30 records lost/);
    expect(writer.stats().dropped.byLevel).toEqual({ info: 30 });
    await writer.close();
  });

  it('a failed reopen is reported as a reopen failure and counted in reopenFailures', async () => {
    const { mem, fault, writer, onError } = memWriter({ reopenCheckMs: 0, retryMinMs: 1 });
    writer.write(rec(1));
    await writer.flush();
    mem.rename('/logs/app.log', '/logs/app.log.1');
    fault.failOpens('EACCES', 1);
    writer.write(rec(2), 'info');
    await until(() => expect(writer.stats().dropped.total).toBe(1));
    expect(writer.stats()).toMatchObject({
      reopenFailures: 1,
      dropped: { byReason: { EACCES: 1 } },
    });
    expect(onError.mock.calls[0]?.[0]?.message).toMatch(/^fanin: reopen failed/);
    writer.write(rec(3));
    await until(() => expect(writer.stats().records).toBe(2));
    await writer.close();
  });

  it('an account reports through onError per its policy; merges child stats once each', () => {
    const onError = vi.fn<(err: FaninError) => void>();
    const account = new WriterAccount({ onError, reportIntervalMs: 0 });
    account.drop({ reason: 'queue-full', records: 2, level: 'info' });
    account.drop({ reason: 'queue-full', records: 3, level: 'debug' });
    expect(onError).toHaveBeenCalledTimes(2);
    expect(onError.mock.calls[1]?.[0].message).toMatch(/3 more records lost \(queue-full\)/);
    const own = account.stats(1, 10);
    const child = new WriterAccount({ onError: () => {} });
    child.drop({ reason: 'EIO', records: 1, levels: ['warn'] });
    child.counters.records = 7;
    const c = child.stats(0, 0);
    expect(mergeStats(own, [c, c, undefined])).toMatchObject({
      records: 7,
      queueDepth: 1,
      dropped: {
        total: 6,
        byReason: { 'queue-full': 5, EIO: 1 },
        byLevel: { info: 2, debug: 3, warn: 1 },
      },
    });
  });
});
