import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { createFileWriter, FaninWriteError } from '../src/index.js';
import { FaultDriver, MemoryDriver } from '../src/testing/index.js';
import { FILE, memWriter, noticeOf, rec, until } from './helpers.js';

/** Takes the time (Date.now()) of every write attempt and runs `onFail` after each failed one. */
class RetryProbe extends FaultDriver {
  readonly attempts: number[] = [];
  onFail: () => void = () => {};
  override write(fd: number, data: Uint8Array): number {
    this.attempts.push(Date.now());
    try {
      return super.write(fd, data);
    } catch (err) {
      queueMicrotask(this.onFail);
      throw err;
    }
  }
}

/**
 * EIO on the next `failures` writes: record 1 is lost, then record 2 is written. Returns the
 * writer for the test to read its counters.
 */
async function loseOneThenWrite(options: Parameters<typeof memWriter>[0], failures: number) {
  const s = memWriter(options);
  s.fault.failWrites('EIO', failures);
  s.writer.write(rec(1));
  await until(() => expect(s.writer.stats().dropped.total).toBe(1));
  s.writer.write(rec(2));
  await until(() => expect(s.writer.stats().records).toBe(1));
  return s;
}

describe('BatchWriter: write errors', () => {
  for (const code of ['EIO', 'ENOSPC']) {
    it(`drops the batch on ${code}, reports once, backs off, and resumes with a loss notice`, async () => {
      const { fault, writer, onError, lines } = memWriter({ retryMinMs: 20 });
      fault.failWrites(code, 1);
      writer.write(rec(1));
      writer.write(rec(2));
      await until(() => expect(writer.stats().dropped.total).toBe(2));
      expect(writer.stats()).toMatchObject({
        records: 0,
        writeErrors: 1,
        dropped: { total: 2, byReason: { [code]: 2 } },
      });
      expect(onError).toHaveBeenCalledTimes(1);
      const err = onError.mock.calls[0]?.[0];
      expect(err).toBeInstanceOf(FaninWriteError);
      expect(err).toMatchObject({ code: 'ERR_FANIN_WRITE', reason: code, records: 2 });

      // Records written during the back-off go out when it ends, with no further call.
      writer.write(rec(3));
      writer.write(rec(4));
      await until(() => expect(writer.stats().records).toBe(2));
      const [notice, ...rest] = lines();
      expect(noticeOf(notice ?? '')).toEqual(
        expect.objectContaining({ lost: 2, byReason: { [code]: 2 }, pid: process.pid }),
      );
      expect(rest).toEqual(['r3.......', 'r4.......']);
      expect(onError).toHaveBeenCalledTimes(1);
      await writer.close();
    });
  }

  it('doubles the back-off from retryMinMs up to retryMaxMs', async () => {
    // The back-off is a Date.now() deadline and a setTimeout (write-pacer.ts): on a fake clock
    // each retry fires exactly when its back-off ends, so the gaps are exact whatever the load
    // (until() moves the fake clock on while it waits).
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    onTestFinished(() => {
      vi.useRealTimers();
    });
    const mem = new MemoryDriver();
    const probe = new RetryProbe(mem).failWrites('EIO', 4);
    const writer = createFileWriter({
      filename: FILE,
      driver: probe,
      retryMinMs: 10,
      retryMaxMs: 40,
      onError: () => {},
      formatNotice: null,
      exitHook: false,
    });
    // After each failed write, queue one more record (as an app would) so a retry is due.
    probe.onFail = () => writer.write(rec(probe.attempts.length));
    writer.write(rec(0));
    await until(() => expect(writer.stats().records).toBe(1));
    const { attempts } = probe;
    expect(attempts).toHaveLength(5);
    const gaps = attempts.slice(1).map((t, i) => t - (attempts[i] ?? 0));
    // Capped: the fourth back-off would be 80 ms without retryMaxMs.
    expect(gaps).toEqual([10, 20, 40, 40]);
    expect(mem.read(FILE)).toBe(rec(4));
    expect(writer.stats().dropped.byReason).toEqual({ EIO: 4 });
  });

  it('reports once per reason when it starts, and once more with the count when it ends', async () => {
    const { fault, writer, onError } = memWriter({ retryMinMs: 5, formatNotice: null });
    fault.failWrites('EIO', 2).failWrites('ENOSPC', 1);
    for (let i = 0; i < 3; i++) {
      writer.write(rec(i));
      await until(() => expect(writer.stats().dropped.total).toBe(i + 1));
    }
    expect(onError.mock.calls.map(([e]) => (e as FaninWriteError).reason)).toEqual([
      'EIO',
      'ENOSPC',
    ]);
    writer.write(rec(3));
    await until(() => expect(writer.stats().records).toBe(1));
    fault.failWrites('EIO', 1);
    writer.write(rec(4));
    await until(() => expect(writer.stats().dropped.total).toBe(4));
    // EIO lost a second record after its first report: its end is summarised (2 records);
    // ENOSPC lost nothing more, its first report said it all. Then a new EIO outage starts.
    const calls = onError.mock.calls.map(([e]) => e as FaninWriteError);
    expect(calls.map((e) => [e.reason, e.records])).toEqual([
      ['EIO', 1],
      ['ENOSPC', 1],
      ['EIO', 2],
      ['EIO', 1],
    ]);
    expect(calls[2]?.message).toMatch(/^fanin: EIO ended after [\d.]+ s: 2 records lost since /);
    expect(writer.stats().dropped.byReason).toEqual({ EIO: 3, ENOSPC: 1 });
  });

  it('writes the loss notice before the records of every recovery', async () => {
    const { fault, writer, lines } = memWriter({ retryMinMs: 5 });
    for (const round of [1, 2]) {
      fault.failWrites('EIO', 1);
      writer.write(rec(round * 10));
      await until(() => expect(writer.stats().dropped.total).toBe(round));
      writer.write(rec(round * 10 + 1));
      await until(() => expect(writer.stats().records).toBe(round));
    }
    expect(lines().map((l) => (noticeOf(l) ? 'notice' : l))).toEqual([
      'notice',
      'r11......',
      'notice',
      'r21......',
    ]);
  });

  it('counts the write retried after a back-off in stats().retries', async () => {
    const { writer } = await loseOneThenWrite({ retryMinMs: 5, formatNotice: null }, 1);
    expect(writer.stats().retries).toBe(1);
  });

  it('counts a failed loss-notice write in writeErrors', async () => {
    const { writer } = await loseOneThenWrite({ retryMinMs: 5 }, 2);
    expect(writer.stats().writeErrors).toBe(2);
  });

  it('writes at most one loss notice per noticeIntervalMs while losses go on', async () => {
    const { writer, lines } = memWriter({
      maxBufferBytes: 50,
      batchBytes: 10_000,
      noticeIntervalMs: 60_000,
    });
    for (const turn of [0, 1]) {
      const accepted = Array.from({ length: 10 }, (_, i) => writer.write(rec(turn * 10 + i)));
      expect(accepted).toEqual([...Array(5).fill(true), ...Array(5).fill(false)]);
      await until(() => expect(writer.stats().records).toBe((turn + 1) * 5));
    }
    const got = lines();
    expect(got.filter((l) => noticeOf(l))).toHaveLength(1);
    expect(noticeOf(got[0] ?? '')).toMatchObject({ lost: 5, byReason: { 'queue-full': 5 } });
    expect(got.slice(1)).toEqual([0, 1, 2, 3, 4, 10, 11, 12, 13, 14].map((i) => rec(i).trim()));
    // The losses of the second turn are not forgotten: close appends their notice.
    await writer.close();
    expect(noticeOf(lines().at(-1) ?? '')).toMatchObject({
      lost: 5,
      byReason: { 'queue-full': 5 },
    });
    expect(writer.stats().dropped).toMatchObject({ total: 10, byReason: { 'queue-full': 10 } });
  });

  it('formats the notice with formatNotice, and writes none when it is null', async () => {
    for (const formatNotice of [(n: { lost: number }) => `LOST ${n.lost}\n`, null]) {
      const { fault, writer, lines } = memWriter({ retryMinMs: 5, formatNotice });
      fault.failWrites('EIO', 1);
      writer.write(rec(1));
      await until(() => expect(writer.stats().dropped.total).toBe(1));
      writer.write(rec(2));
      await until(() => expect(writer.stats().records).toBe(1));
      expect(lines()).toEqual(formatNotice ? ['LOST 1', 'r2.......'] : ['r2.......']);
    }
  });

  it('continues a short write with the rest of the record', async () => {
    const { mem, fault, writer } = memWriter();
    fault.shortWrite(4);
    writer.write('hello world\n');
    await writer.flush();
    expect(mem.read(FILE)).toBe('hello world\n');
    expect(mem.writes).toEqual([4, 8]);
    expect(writer.stats()).toMatchObject({ records: 1, retries: 1, dropped: { total: 0 } });
  });

  it('writeBlock of several blocks: one writev; a short one goes on mid-block, and records are counted once', async () => {
    const { mem, fault, writer } = memWriter();
    fault.shortWrite(15);
    const blocks = [rec(1) + rec(2), rec(3), rec(4) + rec(5) + rec(6)].map((t) => Buffer.from(t));
    writer.writeBlock(blocks, 6);
    writer.flushSync();
    expect(mem.read(FILE)).toBe([1, 2, 3, 4, 5, 6].map((i) => rec(i)).join(''));
    // 15 bytes end inside the second record; the rest is one more writev.
    expect(mem.writes).toEqual([15, 45]);
    expect(writer.stats()).toMatchObject({ records: 6, bytes: 60, retries: 1 });
    await writer.close();
  });

  it('writeBlock of several blocks that fails after part of it: the records that landed whole count as written, the next record starts on a new line', async () => {
    const { mem, fault, writer, onError, lines } = memWriter({ retryMinMs: 5 });
    fault.shortWrite(15).failWrites('EIO', 1);
    writer.writeBlock(
      [rec(1) + rec(2), rec(3)].map((t) => Buffer.from(t)),
      3,
    );
    writer.flushSync();
    // 15 bytes landed: record 1 (10 bytes) whole, record 2 torn; 2 and 3 are lost.
    expect(writer.stats()).toMatchObject({ records: 1, writeErrors: 1 });
    expect(writer.stats().dropped.byReason).toEqual({ EIO: 2 });
    expect(onError.mock.calls[0]?.[0]).toMatchObject({ reason: 'EIO', records: 2 });
    writer.write(rec(4));
    await until(() => expect(writer.stats().records).toBe(2));
    // The torn "r1.......\nr2..." is closed with a newline before the notice and record 4.
    const all = lines();
    expect(all.slice(0, 2)).toEqual(['r1.......', 'r2...']);
    expect(noticeOf(all[2] ?? '')).toMatchObject({ lost: 2, byReason: { EIO: 2 } });
    expect(all.slice(3)).toEqual(['r4.......']);
    expect(mem.read(FILE)?.endsWith('\n')).toBe(true);
    await writer.close();
  });

  for (const code of ['EAGAIN', 'EINTR']) {
    it(`retries a write that fails with ${code}, losing nothing`, async () => {
      const { mem, fault, writer, onError } = memWriter();
      fault.failWrites(code, 3);
      writer.write(rec(1));
      writer.write(rec(2));
      await writer.flush();
      expect(mem.read(FILE)).toBe(rec(1) + rec(2));
      expect(writer.stats()).toMatchObject({ records: 2, retries: 3, writeErrors: 0 });
      expect(writer.stats().dropped.total).toBe(0);
      expect(onError).not.toHaveBeenCalled();
    });
  }

  it('drops the batch as EAGAIN once eagainTimeoutMs has been spent waiting', async () => {
    const { mem, fault, writer, onError } = memWriter({ eagainTimeoutMs: 5 });
    // Waits of 1, 2 and 4 ms pass the 5 ms bound: the fourth EAGAIN gives up.
    fault.failWrites('EAGAIN', 4);
    writer.write(rec(1));
    await writer.flush();
    expect(mem.read(FILE)).toBe('');
    expect(writer.stats()).toMatchObject({
      records: 0,
      retries: 3,
      writeErrors: 1,
      dropped: { byReason: { EAGAIN: 1 } },
    });
    expect(onError.mock.calls[0]?.[0]).toMatchObject({ reason: 'EAGAIN', records: 1 });
  });

  it('drops the records of a failed lazy open (EACCES) and opens at the next try', async () => {
    const { mem, fault, writer, onError, lines } = memWriter({ lazy: true, retryMinMs: 10 });
    expect(mem.read(FILE)).toBeUndefined();
    fault.failOpens('EACCES', 1);
    writer.write(rec(1));
    await until(() => expect(writer.stats().dropped.byReason).toEqual({ EACCES: 1 }));
    expect(mem.read(FILE)).toBeUndefined();
    expect(writer.stats().writeErrors).toBe(1);
    expect(onError.mock.calls[0]?.[0]).toMatchObject({ reason: 'EACCES', records: 1 });

    writer.write(rec(2));
    await until(() => expect(writer.stats().records).toBe(1));
    const [notice, ...rest] = lines();
    expect(noticeOf(notice ?? '')).toMatchObject({ lost: 1, byReason: { EACCES: 1 } });
    expect(rest).toEqual(['r2.......']);
  });
});
