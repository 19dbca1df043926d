import * as os from 'node:os';
import { describe, expect, it } from 'vitest';
import { createFileWriter } from '../src/index.js';
import { MemoryDriver } from '../src/testing/index.js';

/** A record line of exactly `bytes` bytes: its number, padding, newline. */
function record(n: number, bytes: number): string {
  const head = `${String(n).padStart(4, '0')} `;
  return `${head}${'x'.repeat(bytes - head.length - 1)}\n`;
}

/** Files of the log, oldest first (log4js naming: app.log.N … app.log.1, app.log). */
function files(d: MemoryDriver): { name: string; text: string }[] {
  const names = d.readdir('/l').filter((n) => /^app\.log(\.\d+)?$/.test(n));
  const num = (n: string) => Number(n.slice('app.log.'.length) || 0);
  return names
    .sort((a, b) => num(b) - num(a))
    .map((name) => ({ name, text: d.read(`/l/${name}`) ?? '' }));
}

/** Every file within `limit` bytes, unless it holds one record only. */
function expectWithin(list: { name: string; text: string }[], limit: number): void {
  for (const f of list) {
    const lines = f.text.split('\n').filter(Boolean).length;
    if (lines > 1) expect(Buffer.byteLength(f.text), f.name).toBeLessThanOrEqual(limit);
    expect(f.text.endsWith('\n') || f.text === '', f.name).toBe(true);
  }
}

/** The record numbers of the whole log, oldest file first. */
const numbers = (list: { text: string }[]) =>
  list.flatMap((f) =>
    f.text
      .split('\n')
      .filter(Boolean)
      .map((l) => Number(l.slice(0, 4))),
  );

const LIMITS = [1, 50, 81];

describe('size rotation splits a batch at record boundaries (fanin #16 defect 4)', () => {
  it('maxBytes 50, backups 2, four 80-byte records in one turn: one record a file, as log4js', async () => {
    const d = new MemoryDriver();
    const w = createFileWriter({ filename: '/l/app.log', maxBytes: 50, backups: 2, driver: d });
    for (let i = 0; i < 4; i++) w.write(record(i, 80));
    await w.close();
    const list = files(d);
    expect(list.map((f) => f.name)).toEqual(['app.log.2', 'app.log.1', 'app.log']);
    expect(numbers(list)).toEqual([1, 2, 3]);
    expect(w.stats().rotations).toBe(3);
  });

  for (const limit of LIMITS) {
    for (const mode of ['one burst', 'blocks'] as const) {
      it(`maxBytes ${limit}, ${mode}: every file within the limit unless it holds one record; every record once, in order`, async () => {
        const d = new MemoryDriver();
        const w = createFileWriter({ filename: '/l/app.log', maxBytes: limit, driver: d });
        // Sizes 20 … 120 bytes: some fit several to a file, some are over the limit alone.
        const recs = Array.from({ length: 60 }, (_, i) => record(i, 20 + ((i * 37) % 101)));
        if (mode === 'one burst') for (const r of recs) w.write(r);
        else w.writeBlock(Buffer.from(recs.join('')), recs.length);
        await w.close();
        const list = files(d);
        expectWithin(list, limit);
        expect(numbers(list)).toEqual(recs.map((_, i) => i));
        expect(w.stats()).toMatchObject({ records: 60, dropped: { total: 0 } });
        // Files are filled: no two neighbours could have shared one file.
        for (let i = 1; i < list.length; i++) {
          const both = Buffer.byteLength((list[i - 1]?.text ?? '') + (list[i]?.text ?? ''));
          expect(both).toBeGreaterThan(limit);
        }
      });
    }
  }

  it('a batch that fits in what is left goes on into the open file first', async () => {
    const d = new MemoryDriver();
    const w = createFileWriter({ filename: '/l/app.log', maxBytes: 100, driver: d });
    w.write(record(0, 30));
    w.flushSync();
    for (let i = 1; i <= 4; i++) w.write(record(i, 30));
    await w.close();
    // 30 + 30 + 30 in the first file (90 ≤ 100), then 30 + 30.
    expect(files(d).map((f) => numbers([f]))).toEqual([
      [0, 1, 2],
      [3, 4],
    ]);
  });

  it('a rotation lock held by another live process: the batch goes on into the open file, counted once', async () => {
    const d = new MemoryDriver();
    d.mkdirp('/l');
    // The lock of a live process (this one, seen as another holder): never stale.
    const fd = d.open('/l/app.log.fanin-lock', 0o101, 0o644);
    d.write(fd, Buffer.from(`${process.pid} ${os.hostname()}`));
    d.close(fd);
    const w = createFileWriter({
      filename: '/l/app.log',
      maxBytes: 50,
      lockWaitMs: 0,
      driver: d,
    });
    for (let i = 0; i < 4; i++) w.write(record(i, 80));
    await w.close();
    // No rotation could be made: all four in the open file, none lost.
    expect(numbers(files(d))).toEqual([0, 1, 2, 3]);
    expect(w.stats()).toMatchObject({ records: 4, rotations: 0, dropped: { total: 0 } });
  });
});
