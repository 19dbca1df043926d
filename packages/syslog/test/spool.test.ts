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

  it('a reading instance follows what a writing instance commits (the shipper thread), across segments', () => {
    const dir = path.join(tempDir(), 'w3');
    const writer = new Spool(dir, 1024);
    const reader = new Spool(dir, 1024);
    const texts = (rs: { data: Buffer }[]) => rs.map((r) => r.data.toString());
    let next = 1;
    const got: string[] = [];
    // Several commits between two follows, rolling segments in between: nothing skipped.
    for (let round = 0; round < 6; round++) {
      for (let c = 0; c < 3; c++) {
        for (let k = 0; k < 10; k++) writer.append(rec(next++));
        writer.commit();
      }
      expect(reader.read(reader.cursor, 1)).toHaveLength(0); // not followed yet
      reader.follow(writer.end);
      const read = reader.read(reader.cursor, 1000);
      got.push(...texts(read));
      reader.ack((read[read.length - 1] as { end: number }).end);
    }
    expect(got).toEqual(Array.from({ length: 180 }, (_, k) => rec(k + 1).toString()));
    expect(reader.drained).toBe(true);
    // What the writer put on disk is acknowledged, segments deleted but the one still written.
    const onDisk = fs.readdirSync(dir).filter((n) => n.endsWith('.seg'));
    expect(onDisk).toHaveLength(1);
    expect(reader.ackedBytes).toBe(writer.diskBytes);
    expect(reader.freedBytes + fs.statSync(path.join(dir, onDisk[0] as string)).size).toBe(
      writer.diskBytes,
    );
    expect(reader.unackedBytes).toBe(0);
    reader.close(true);
    writer.close(false, false);
    expect(fs.existsSync(dir)).toBe(false);
  });

  it('maxSpoolBytes counts unacknowledged bytes: an acknowledged segment being written frees its room', () => {
    const spool = new Spool(path.join(tempDir(), 'w4'), 1 << 20);
    for (let i = 1; i <= 20; i++) spool.append(rec(i));
    spool.commit();
    const bytes = spool.diskBytes;
    expect(spool.unackedBytes).toBe(bytes);
    const read = spool.read(spool.cursor, 100);
    spool.ack((read[9] as { end: number }).end);
    // The segment stays (it is still written) but half of it is no longer owed to the collector.
    expect(spool.diskBytes).toBe(bytes);
    expect(spool.unackedBytes).toBe(bytes - spool.ackedBytes);
    spool.ack((read[19] as { end: number }).end);
    expect(spool.unackedBytes).toBe(0);
    spool.close(true);
  });
});
