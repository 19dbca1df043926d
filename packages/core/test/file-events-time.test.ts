import { describe, expect, it, vi } from 'vitest';
import { createFileWriter, type FileEvent } from '../src/index.js';
import { MemoryDriver } from '../src/testing/index.js';
import { DAY, fakeDateFrom } from './fake-days.js';

// Time is the edge here (fake-days.ts).
const start = new Date(2026, 10, 23, 12, 0, 0).getTime();

fakeDateFrom(start);

describe('file events and audit under time rotation, the date in the name (winston-daily-rotate-file)', () => {
  it('one record a day for four days, backups 1: new + rotate per day, removed, audit of what is kept', async () => {
    const d = new MemoryDriver();
    const audit = '/l/.audit.json';
    const events: FileEvent[] = [];
    const w = createFileWriter({
      filename: '/l/app-%DATE%.log',
      datePattern: 'yyyy-MM-dd',
      backups: 1,
      auditFile: audit,
      driver: d,
      exitHook: false,
      onFileEvent: (e) => events.push(e),
    });
    for (let day = 0; day < 4; day++) {
      vi.setSystemTime(start + day * DAY);
      w.write(`day ${day}\n`);
      w.flushSync();
    }
    await w.close();

    const name = (day: number) => `/l/app-2026-11-${23 + day}.log`;
    expect(events.filter((e) => e.type === 'rotate')).toEqual(
      [1, 2, 3].map((day) => ({
        type: 'rotate',
        from: name(day - 1),
        to: name(day),
      })),
    );
    expect(events.filter((e) => e.type === 'new').map((e) => e.filename)).toEqual([
      name(1),
      name(2),
      name(3),
    ]);
    expect(events.filter((e) => e.type === 'removed').map((e) => e.filename)).toEqual([
      name(0),
      name(1),
    ]);
    expect(
      d
        .readdir('/l')
        .filter((n) => n.startsWith('app-'))
        .sort(),
    ).toEqual(['app-2026-11-25.log', 'app-2026-11-26.log']);
    const json = JSON.parse(d.readText(audit) ?? 'null');
    expect(json.keep).toEqual({ days: false, amount: 2 });
    expect(json.files.map((f: { name: string }) => f.name)).toEqual([name(2), name(3)]);
  });
});
