import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { Spool } from '../src/spool.js';
import { adoptOrphans } from '../src/spool-adoption.js';

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fanin-spool-'));
  onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const rec = (i: number) => Buffer.from(`record ${i}\nwith a second line`);

describe('Spool', () => {
  it('reads back committed records in order, across segments, and deletes acknowledged segments', () => {
    const dir = path.join(tempDir(), 'w1');
    const spool = new Spool(dir, 1024);
    for (let i = 1; i <= 200; i++) spool.append(rec(i));
    expect(spool.read(spool.cursor, 10)).toHaveLength(0); // nothing committed yet
    expect(spool.commit()).toBe(200);
    for (let i = 201; i <= 400; i++) {
      spool.append(rec(i));
      if (i % 7 === 0) spool.commit();
    }
    spool.commit();
    const all = spool.read(spool.cursor, 1000);
    expect(all.map((r) => r.data.toString())).toEqual(
      Array.from({ length: 400 }, (_, k) => rec(k + 1).toString()),
    );
    const segments = () => fs.readdirSync(dir).filter((n) => n.endsWith('.seg')).length;
    const before = segments();
    expect(before).toBeGreaterThan(2);
    spool.ack((all[299] as { end: number }).end);
    expect(segments()).toBeLessThan(before);
    expect(spool.read(spool.cursor, 1000).map((r) => r.data.toString())[0]).toBe(
      rec(301).toString(),
    );
    spool.close(true);
    expect(fs.existsSync(dir)).toBe(true); // 100 records unacknowledged: kept
  });

  it('a reopened spool resumes at the persisted cursor and skips a torn tail', () => {
    const dir = path.join(tempDir(), 'w2');
    const first = new Spool(dir, 1 << 20);
    for (let i = 1; i <= 50; i++) first.append(rec(i));
    first.commit();
    const read = first.read(first.cursor, 100);
    first.ack((read[19] as { end: number }).end);
    first.persist();
    // A crash mid-append: half a record at the end of the segment.
    const seg = fs.readdirSync(dir).find((n) => n.endsWith('.seg')) as string;
    fs.appendFileSync(path.join(dir, seg), '40 half a rec');
    const second = new Spool(dir, 1 << 20);
    second.append(rec(51));
    second.commit();
    const rest = second.read(second.cursor, 100).map((r) => r.data.toString());
    expect(rest).toEqual(Array.from({ length: 31 }, (_, k) => rec(k + 21).toString()));
    expect(second.torn).toBe(1);
  });

  it('adopts the spool of a dead process exactly once', () => {
    const root = tempDir();
    const dead = path.join(root, 'dead');
    const spool = new Spool(dead, 1 << 20);
    spool.append(rec(1));
    spool.commit();
    spool.close(false);
    // A pid that names no process: above the kernel's pid_max default (4194304).
    fs.writeFileSync(path.join(dead, 'owner'), '99999999\n');
    const live = new Spool(path.join(root, 'live'), 1 << 20);
    const adopted = adoptOrphans(root, 1 << 20, 0o600);
    expect(adopted).toHaveLength(1);
    expect(adopted[0]?.read(adopted[0].cursor, 10).map((r) => r.data.toString())).toEqual([
      rec(1).toString(),
    ]);
    expect(adoptOrphans(root, 1 << 20, 0o600)).toHaveLength(0); // now owned by this live process
    live.close(true);
  });
});
