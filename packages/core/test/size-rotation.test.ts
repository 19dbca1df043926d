import { describe, expect, it } from 'vitest';
import { createFileWriter, type FileDriver } from '../src/index.js';
import { MemoryDriver } from '../src/testing/index.js';

const NAMINGS = {
  log4js: { options: {}, names: /^app\.log(\.\d+)?$/ },
  'log4js keepFileExt': { options: { keepFileExt: true }, names: /^app(\.\d+)?\.log$/ },
  'winston-tailable': { options: { rotationNaming: 'winston-tailable' }, names: /^app\d*\.log$/ },
  winston: { options: { rotationNaming: 'winston' }, names: /^app\d*\.log$/ },
} as const;

/** A MemoryDriver whose `stat` calls are counted (path look-ups: what backups used to cost). */
class CountingDriver extends MemoryDriver {
  stats = 0;
  override stat(p: string) {
    this.stats++;
    return super.stat(p);
  }
}

// 200 records of 300 bytes into files of at most 1000 bytes: 3 records a file, 66 rotations.
function rotate(d: MemoryDriver, driver: FileDriver, options: object) {
  const w = createFileWriter({
    filename: '/l/app.log',
    maxBytes: 1000,
    driver,
    exitHook: false,
    ...options,
  });
  for (let i = 0; i < 200; i++) {
    w.write(`${String(i).padStart(3, '0')} ${'x'.repeat(295)}\n`);
    w.flushSync();
  }
  const rotations = w.stats().rotations;
  void w.close();
  const names = d.readdir('/l').filter((n) => !n.endsWith('fanin-lock'));
  const text = names.map((n) => d.read(`/l/${n}`) ?? '');
  return { rotations, names, text };
}

describe('size rotation: cost and retention', () => {
  for (const [naming, { options, names }] of Object.entries(NAMINGS)) {
    it(`${naming}: a rotation costs O(files that exist), not O(backups)`, () => {
      const few = new CountingDriver();
      const a = rotate(few, few, { ...options, backups: 5 });
      const many = new CountingDriver();
      const b = rotate(many, many, { ...options, backups: 100_000 });

      expect(a.rotations).toBe(66);
      expect(b.rotations).toBe(66);
      expect(a.names.length).toBe(6);
      expect(b.names.length).toBe(67);
      for (const n of b.names) expect(n).toMatch(names);
      // Every record once, each file within maxBytes.
      const all = b.text.join('').split('\n').filter(Boolean).sort();
      expect(all.map((l) => Number(l.slice(0, 3)))).toEqual([...Array(200).keys()]);
      for (const t of b.text) expect(t.length).toBeLessThanOrEqual(1000);
      // Probing numbers up to backups cost 2 × 100000 stat calls a rotation; a few remain
      // (the path check under the lock, winston's look for a newer number).
      expect(many.stats / b.rotations).toBeLessThan(20);
      expect(many.stats).toBeLessThan(2 * few.stats + 200);
    });
  }

  it('shifts around a gap that a rotation killed half-way left, overwriting nothing', () => {
    const d = new MemoryDriver();
    const w = createFileWriter({
      filename: '/l/app.log',
      maxBytes: 10,
      driver: d,
      exitHook: false,
    });
    for (const [name, text] of [
      ['app.log.1', 'one\n'],
      ['app.log.3', 'three\n'],
      ['app.log.4.gz', 'four\n'],
    ] as const) {
      const fd = d.open(`/l/${name}`, 0o101, 0o644);
      d.write(fd, Buffer.from(text));
      d.close(fd);
    }
    w.write('active\n');
    w.flushSync();
    w.write('next...\n');
    w.flushSync();
    void w.close();
    expect(d.read('/l/app.log')).toBe('next...\n');
    expect(d.read('/l/app.log.1')).toBe('active\n');
    expect(d.read('/l/app.log.2')).toBe('one\n');
    expect(d.read('/l/app.log.4')).toBe('three\n');
    expect(d.read('/l/app.log.5.gz')).toBe('four\n');
  });

  for (const [naming, { options }] of Object.entries(NAMINGS)) {
    it(`${naming}: retention keeps exactly "backups" rotated files`, () => {
      const d = new MemoryDriver();
      const r = rotate(d, d, { ...options, backups: 3 });
      expect(r.rotations).toBe(66);
      expect(r.names.length).toBe(4);
      // The newest 11 records: 3 rotated files of 3, and the active file's 2.
      const kept = r.text
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => Number(l.slice(0, 3)));
      expect(kept.sort((x, y) => x - y)).toEqual([...Array(11).keys()].map((i) => 189 + i));
    });
  }
});
