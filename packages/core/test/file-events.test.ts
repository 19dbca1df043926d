import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  createFileWriter,
  type FaninError,
  type FileEvent,
  type FileWriterOptions,
} from '../src/index.js';

const rec = (i: number) => `${String(i).padStart(4, '0')} ${'x'.repeat(94)}\n`; // 100 bytes

/**
 * A writer on `app.log` in a fresh directory (removed when the test ends), 250 bytes a file (two
 * records), its file events collected in `events` unless `options` say otherwise.
 */
function eventsWriter(options: Partial<FileWriterOptions> = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fanin-events-'));
  onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'app.log');
  const events: FileEvent[] = [];
  const w = createFileWriter({
    ...{ filename: file, maxBytes: 250, onFileEvent: (e: FileEvent) => events.push(e) },
    ...options,
  });
  return { dir, file, events, w };
}

/** The text of every `app.log*` file of `dir`, `.gz` ones gunzipped (a half-written one throws). */
function logText(dir: string): string {
  return fs
    .readdirSync(dir)
    .filter((n) => n.startsWith('app.log'))
    .map((n) => fs.readFileSync(path.join(dir, n)))
    .map((b) => (b[0] === 0x1f && b[1] === 0x8b ? zlib.gunzipSync(b) : b).toString('utf8'))
    .join('');
}

/** Writes `n` records of 100 bytes, each flushed on its own (one batch each). */
function writeEach(w: ReturnType<typeof createFileWriter>, n: number, from = 0): void {
  for (let i = from; i < from + n; i++) {
    w.write(rec(i));
    w.flushSync();
  }
}

describe('file events: told by the part of the writer that did the act', () => {
  it('size rotation, log4js naming, compress, backups 2: open, new, rotate, closed, removed, archive', async () => {
    const { file, events, w } = eventsWriter({ backups: 2, compress: true });
    writeEach(w, 10); // 2 records a file: 4 rotations
    await w.close();

    expect(events[0]).toEqual({ type: 'open', filename: file });
    const rotates = events.filter((e) => e.type === 'rotate');
    expect(rotates).toHaveLength(w.stats().rotations);
    expect(rotates.length).toBe(4);
    for (const r of rotates) expect(r).toEqual({ type: 'rotate', from: file, to: `${file}.1` });
    expect(events.filter((e) => e.type === 'new')).toHaveLength(4);
    // Retention keeps two rotated files: the numbers past 2 went, each told once.
    const removed = events
      .filter((e) => e.type === 'removed')
      .map((e) => path.basename(e.filename));
    // (Rotations 3 and 4 each pushed one file past the two kept.) A file is removed once its
    // grace is over (rotation/removal-mark.ts): a rotation meanwhile may have shifted it to 4.
    expect(removed).toHaveLength(2);
    for (const name of removed) expect(name).toMatch(/^app\.log\.[34](\.gz)?$/);
    // Each archive told was a whole .gz when it was told (close waited for them).
    const archives = events.filter((e) => e.type === 'archive');
    expect(archives.length).toBeGreaterThan(0);
    for (const a of archives) expect(a.filename).toMatch(/\.gz$/);
    // The writer's last word: it closed its descriptor.
    expect(events.filter((e) => e.type === 'closed').at(-1)).toEqual({
      type: 'closed',
      filename: file,
    });
    // Every open after the first follows a rotation of this process, and a close before it.
    const opens = events.filter((e) => e.type === 'open');
    expect(opens).toHaveLength(5);
  });

  it('winston naming: rotate names the new active file (nothing is renamed)', async () => {
    const { dir, file, events, w } = eventsWriter({ rotationNaming: 'winston' });
    writeEach(w, 6);
    await w.close();
    const rotates = events.filter((e) => e.type === 'rotate');
    expect(rotates).toEqual([
      { type: 'rotate', from: file, to: path.join(dir, 'app1.log') },
      { type: 'rotate', from: path.join(dir, 'app1.log'), to: path.join(dir, 'app2.log') },
    ]);
    const news = events.filter((e) => e.type === 'new').map((e) => path.basename(e.filename));
    expect(news).toEqual(['app1.log', 'app2.log']);
  });

  it('a listener that throws is reported and costs no record', async () => {
    const errors: FaninError[] = [];
    const { dir, w } = eventsWriter({
      onFileEvent: () => {
        throw new Error('listener bug');
      },
      onError: (e) => errors.push(e),
    });
    writeEach(w, 10);
    await w.close();
    expect(w.stats()).toMatchObject({ records: 10, dropped: { total: 0 } });
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]?.message).toMatch(
      /onFileEvent listener threw on a "open" event: listener bug/,
    );
    expect(logText(dir).split('\n').filter(Boolean).sort()).toEqual(
      [...Array(10).keys()].map(rec).map((r) => r.trimEnd()),
    );
  });
});

describe('compression is prompt', () => {
  it('a rotated file is archived while the writer keeps writing (no quiet period), whole', async () => {
    let archived: string | undefined;
    const { dir, w } = eventsWriter({
      compress: true,
      onFileEvent: (e) => {
        if (e.type === 'archive') archived ??= e.filename;
      },
    });
    // One record every 5 ms, up to 2000: a compression that waited for a quiet moment would
    // never run before the last one.
    let i = 0;
    while (archived === undefined && i < 2000) {
      w.write(rec(i++));
      await new Promise((r) => setTimeout(r, 5));
    }
    const stillWriting = i < 2000;
    await w.close();
    expect(stillWriting).toBe(true);
    expect(path.basename(archived ?? '')).toMatch(/^app\.log\.\d+\.gz$/);
    // Every record once, the archives read whole (a half-written .gz would throw here).
    const got = logText(dir)
      .split('\n')
      .filter(Boolean)
      .map((l) => Number(l.slice(0, 4)));
    expect(got.sort((a, b) => a - b)).toEqual([...Array(i).keys()]);
  });
});
