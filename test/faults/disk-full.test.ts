import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { checkFaultLog, type FaultChild, forkFault, nextMessage, stopFault } from './fault-log.js';

interface Tock {
  stats: { records: number; dropped: { total: number; byReason: Record<string, number> } };
  errors: { reason: string; records: number; message: string }[];
}
interface Done extends Tock {
  pid: number;
  records: number;
}

// The transports under test, with what each may drop for: append-file drops the records of a
// write that failed (ENOSPC); async-queue keeps them in its ring (96 KiB here, so that it fills
// within the outage) and retries, and drops what the ring cannot take (whenFull 'drop'). Four
// rings hold less than the 512 KiB the second ballast gives back before the close: with 256 KiB
// rings a close under load could still meet a full disk and drop as 'close-timeout'.
const TRANSPORTS = {
  append: { options: {}, reasons: ['ENOSPC'], resumes: false },
  locked: { options: {}, reasons: ['ENOSPC'], resumes: false },
  async: {
    options: { capacityBytes: 96 * 1024, whenFull: 'drop' },
    reasons: ['ENOSPC', 'queue-full'],
    resumes: true,
  },
} as const;

async function tick(f: FaultChild): Promise<Tock> {
  const tock = nextMessage(f, 'tock', f.messages.length);
  f.child.send('tick');
  return (await tock) as unknown as Tock;
}

// Waits (by asking, not sleeping) until every writer's stats satisfy `ok`.
async function until(fs: FaultChild[], ok: (t: Tock) => boolean): Promise<void> {
  for (const f of fs) while (!ok(await tick(f))) {}
}

// A 2 MiB tmpfs, mounted for the test when running as root: a real ENOSPC.
function smallDisk(): string | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fanin-full-'));
  const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', dir]);
  if (mount.status !== 0) {
    fs.rmdirSync(dir);
    return undefined;
  }
  onTestFinished(() => {
    spawnSync('umount', ['-l', dir]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

const canMount = process.getuid?.() === 0;
if (!canMount) console.log('disk-full: skipped (mounting a tmpfs needs root)');

describe.skipIf(!canMount)('fault: disk full (a 2 MiB tmpfs)', () => {
  for (const [transport, t] of Object.entries(TRANSPORTS)) {
    it(`${transport}: 4 writers: no torn line but a failed writer’s own record, every notice on its own line, counts exact`, async () => {
      const dir = smallDisk();
      if (!dir) return void console.log('disk-full: skipped (mount -t tmpfs failed)');
      const file = path.join(dir, 'app.log');
      // Two ballasts: the first is removed to end the first outage, the second before the close.
      const ballasts = ['a', 'b'].map((n) => path.join(dir, `ballast-${n}`));
      for (const b of ballasts) fs.writeFileSync(b, Buffer.alloc(512 * 1024, 1));
      const options = { retryMinMs: 10, retryMaxMs: 50, transport, ...t.options };
      const writers = [0, 1, 2, 3].map((p) =>
        forkFault('fault-writer', [file, `w${p}`, '100,3000,300,8000,1000', '1'], options),
      );
      await Promise.all(writers.map((w) => nextMessage(w, 'ready')));
      // The outage has begun for every writer: it reported it (async-queue drops nothing yet).
      await until(writers, (k) => k.stats.dropped.total > 0 || k.errors.length > 0);
      fs.rmSync(ballasts[0] as string);
      // Space returns: writing resumes (the first writers to get there may fill it again).
      const total = async () =>
        (await Promise.all(writers.map(tick))).reduce((n, t) => n + t.stats.records, 0);
      const before = await total();
      while ((await total()) <= before) {}
      for (const w of writers) w.child.send('pause');
      await Promise.all(writers.map((w) => nextMessage(w, 'paused')));
      fs.rmSync(ballasts[1] as string);
      const reports = (await Promise.all(writers.map(stopFault))) as unknown as Done[];

      const check = checkFaultLog(fs.readFileSync(file, 'utf8'));
      console.log(
        `disk-full ${transport}: ${JSON.stringify({
          records: reports.map((r) => r.records),
          dropped: reports.map((r) => r.stats.dropped.byReason),
          fragments: check.fragments.length,
          notices: check.notices.length,
          tornNotices: check.tornNotices,
          reports: reports.map((r) => r.errors.length),
        })}`,
      );
      expect({
        glued: check.glued,
        gluedNotices: check.gluedNotices,
        garbage: check.garbage,
      }).toEqual({ glued: [], gluedNotices: 0, garbage: [] });
      expect(check.duplicates).toBe(0);
      for (const [p, r] of reports.entries()) {
        const whole = check.seqs.get(`w${p}`) ?? [];
        // Every record is in the log whole, or counted as dropped: exactly.
        expect(whole.length + r.stats.dropped.total).toBe(r.records);
        for (const reason of Object.keys(r.stats.dropped.byReason)) {
          expect(t.reasons).toContain(reason);
        }
        // A fragment is only ever a record its own writer counted as lost, or, under async-queue
        // (which resumes a cut batch at its first line not wholly written), one that follows
        // whole: at most one a reported outage.
        const own = check.fragments.filter((x) => x.w === `w${p}`);
        if (t.resumes) expect(own.length).toBeLessThanOrEqual(r.errors.length);
        else for (const f of own) expect(whole).not.toContain(f.s);
        // The notices in the log add up to what was dropped.
        const noticed = check.notices.filter((n) => n.fanin.pid === r.pid);
        expect(noticed.reduce((n, x) => n + x.fanin.lost, 0)).toBe(r.stats.dropped.total);
        // Reported once when the outage started and once when it ended, per outage; never per record.
        expect(r.errors.length).toBeLessThanOrEqual(4);
      }
      expect(reports.some((r) => r.stats.dropped.total > 0)).toBe(true);
    }, 120_000);
  }
});
