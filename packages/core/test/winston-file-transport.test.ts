import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import winston from 'winston';
import {
  createFileWriter,
  FaninFileTransport,
  type FileEvent,
  type FileEventListener,
  type FileWriterOptions,
} from '../src/index.js';
import { logFiles } from '../src/internal.js';
import { MemoryDriver } from '../src/testing/index.js';
import { until } from './helpers.js';

const MESSAGE = Symbol.for('message');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fanin-core-winston-file-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/**
 * A transport over an in-memory file whose writer's `onFileEvent` the test can call. Lazy: the
 * writer's own events (the real 'open' at construction) would mix with the ones a test feeds.
 */
class ProbeTransport extends FaninFileTransport {
  static lastListener: FileEventListener | undefined;
  constructor(options: Record<string, unknown>) {
    super(
      { driver: new MemoryDriver(), exitHook: false, lazy: true, ...options },
      {
        name: 'ProbeTransport',
        createWriter: (o, where) => {
          ProbeTransport.lastListener = o.onFileEvent as FileEventListener;
          return createFileWriter(o as FileWriterOptions, where);
        },
      },
    );
  }
}

function infoOf(message: string, extra: Record<string, unknown> = {}) {
  const info: Record<string | symbol, unknown> = { level: 'info', message, ...extra };
  info[MESSAGE] = JSON.stringify(info);
  return info;
}

function recordEvents(t: NodeJS.EventEmitter, names: string[]): unknown[][] {
  const seen: unknown[][] = [];
  for (const n of names) t.on(n, (...args: unknown[]) => seen.push([n, ...args]));
  return seen;
}

const ALL_EVENTS = ['open', 'new', 'rotate', 'archive', 'logRemoved', 'fileclosed'];
const FILE_EVENTS: FileEvent[] = [
  { type: 'open', filename: '/logs/app.log' },
  { type: 'rotate', from: '/logs/app.log', to: '/logs/app1.log' },
  { type: 'new', filename: '/logs/app.log' },
  { type: 'archive', filename: '/logs/app1.log.gz' },
  { type: 'removed', filename: '/logs/app2.log.gz' },
  { type: 'closed', filename: '/logs/app.log' },
];

describe('FaninTransport.log (issue #16, defects 1 and 2)', () => {
  it('takes no callback, as winston File does, and writes the record', async () => {
    const t = new ProbeTransport({ filename: '/logs/app.log' });
    expect(t.log(infoOf('no callback'))).toBe(true);
    await t.writer.flush();
    expect(t.writer.stats()).toMatchObject({ records: 1, dropped: { total: 0 } });
    await t.writer.close();
  });

  it("emits 'logged' to a listener attached right after log(), once per record, in order", async () => {
    const t = new ProbeTransport({ filename: '/logs/app.log' });
    for (let i = 0; i < 5; i++) t.log(infoOf(`r${i}`));
    const seen: unknown[] = [];
    t.on('logged', (info: { message: unknown }) => seen.push(info.message));
    await until(() => expect(seen).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']));
    await t.writer.close();
  });
});

describe('FaninFileTransport events (issue #16, "events as the originals emit them")', () => {
  it('a winston File config emits open(fullpath), rotate(from, to) and fileclosed()', async () => {
    const t = new ProbeTransport({ filename: '/logs/app.log' });
    const seen = recordEvents(t, ALL_EVENTS);
    for (const e of FILE_EVENTS) ProbeTransport.lastListener?.(e);
    expect(seen, 'emitted on a later tick, never inside the writer').toEqual([]);
    await until(() => expect(seen.length).toBeGreaterThan(0));
    expect(t.eventStyle).toBe('file');
    expect(t.name).toBe('file');
    expect(seen).toEqual([
      ['open', '/logs/app.log'],
      ['rotate', '/logs/app.log', '/logs/app1.log'],
      ['open', '/logs/app.log'],
      ['fileclosed'],
    ]);
    await t.writer.close();
  });

  for (const [how, options] of [
    ['datePattern', { filename: '/logs/app.log', datePattern: 'YYYY-MM-DD' }],
    ['%DATE% in filename', { filename: '/logs/app-%DATE%.log' }],
  ] as const) {
    it(`a winston-daily-rotate-file config (${how}) emits new, rotate, archive, logRemoved`, async () => {
      const t = new ProbeTransport({ ...options });
      const seen = recordEvents(t, ALL_EVENTS);
      for (const e of FILE_EVENTS) ProbeTransport.lastListener?.(e);
      await until(() => expect(seen).toHaveLength(5));
      expect(t.eventStyle).toBe('daily-rotate');
      expect(t.name).toBe('dailyRotateFile');
      expect(seen).toEqual([
        ['new', '/logs/app.log'],
        ['rotate', '/logs/app.log', '/logs/app1.log'],
        ['new', '/logs/app.log'],
        ['archive', '/logs/app1.log.gz'],
        ['logRemoved', '/logs/app2.log.gz'],
      ]);
      await t.writer.close();
    });
  }

  it('hands every event to a user onFileEvent as well', async () => {
    const mine: FileEvent[] = [];
    const t = new ProbeTransport({
      filename: '/logs/app.log',
      onFileEvent: (e: FileEvent) => mine.push(e),
    });
    for (const e of FILE_EVENTS) ProbeTransport.lastListener?.(e);
    expect(mine).toEqual(FILE_EVENTS);
    await t.writer.close();
  });

  it("close(cb) calls back once written, then emits 'flush' and 'closed'", async () => {
    const t = new ProbeTransport({ filename: '/logs/app.log' });
    t.log(infoOf('one'));
    const order: string[] = [];
    t.on('flush', () => order.push('flush'));
    const closed = new Promise<void>((resolve) => t.on('closed', resolve));
    t.close(() => order.push(`cb:${t.writer.stats().records}`));
    await closed;
    expect(order).toEqual(['cb:1', 'flush']);
  });
});

// A log as fanin's rotations leave it: the active file, plain and gzipped backups under the
// winston and log4js namings, plus files of other logs beside it that must not be read.
function makeLog(dir: string): { file: string; all: Record<string, unknown>[] } {
  fs.mkdirSync(dir, { recursive: true });
  const base = Date.parse('2026-12-05T10:00:00Z');
  const all = Array.from({ length: 12 }, (_, i) => ({
    level: i % 3 === 0 ? 'error' : 'info',
    message: `m${i}`,
    timestamp: new Date(base + i * 60_000).toISOString(),
  }));
  const text = (rows: unknown[]) => rows.map((r) => `${JSON.stringify(r)}\n`).join('');
  const parts: [string, string | Buffer][] = [
    ['app.log.2.gz', zlib.gzipSync(text(all.slice(0, 3)))],
    ['app1.log', text(all.slice(3, 6))],
    ['app.log.1', `${text(all.slice(6, 9))}not json: a loss notice\n`],
    ['app.log', text(all.slice(9))],
    ['app-error.log', text([{ level: 'error', message: 'other', timestamp: all[0]?.timestamp }])],
    ['.3f2a-audit.json', '{}'],
  ];
  parts.forEach(([name, content], i) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, content);
    fs.utimesSync(p, 1_000_000 + i, 1_000_000 + i);
  });
  return { file: path.join(dir, 'app.log'), all };
}

describe('FaninFileTransport.query (winston File options over every file of the log)', () => {
  const { file, all } = makeLog(path.join(tmp, 'query'));
  const q = (options: Record<string, unknown>) =>
    new Promise<Record<string, unknown>[]>((resolve, reject) => {
      const t = new FaninFileTransport(
        { filename: 'app.log', dirname: path.dirname(file), lazy: true, exitHook: false },
        { name: 'Q', createWriter: (o, w) => createFileWriter(o as FileWriterOptions, w) },
      );
      t.query(options as never, (err, res) => (err ? reject(err) : resolve(res ?? [])));
    });
  const window = { from: all[0]?.timestamp, until: all[11]?.timestamp };

  it('lists the active, rotated and .gz files oldest first, and no other log', async () => {
    expect((await logFiles(file)).map((f) => path.basename(f))).toEqual([
      'app.log.2.gz',
      'app1.log',
      'app.log.1',
      'app.log',
    ]);
  });

  it('defaults: the newest 10 of the last 24 hours, newest first', async () => {
    const recent = await q({ until: all[11]?.timestamp });
    expect(recent.map((r) => r.message)).toEqual(
      all
        .slice(2)
        .reverse()
        .map((r) => r.message),
    );
  });

  it('order asc, limit, start, level, fields, from/until', async () => {
    expect((await q({ ...window, order: 'asc', limit: 4 })).map((r) => r.message)).toEqual([
      'm0',
      'm1',
      'm2',
      'm3',
    ]);
    // `start` counts lines, as winston File's does: the non-JSON line is line 9.
    expect(
      (await q({ ...window, order: 'asc', start: 10, limit: 5 })).map((r) => r.message),
    ).toEqual(['m9', 'm10', 'm11']);
    expect((await q({ ...window, level: 'error', limit: 50 })).map((r) => r.message)).toEqual([
      'm9',
      'm6',
      'm3',
      'm0',
    ]);
    expect(await q({ ...window, rows: 1, fields: ['message'] })).toEqual([{ message: 'm11' }]);
    const middle = await q({ from: all[4]?.timestamp, until: all[7]?.timestamp, order: 'asc' });
    expect(middle.map((r) => r.message)).toEqual(['m4', 'm5', 'm6', 'm7']);
  });

  it("answers winston's logger.query() under its name, and the logger's stream()", async () => {
    const t = new FaninFileTransport(
      { filename: file, lazy: true, exitHook: false },
      { name: 'Q', createWriter: (o, w) => createFileWriter(o as FileWriterOptions, w) },
    );
    const logger = winston.createLogger({ transports: [t] });
    const results = await new Promise<Record<string, unknown>>((resolve, reject) =>
      logger.query({ ...window, limit: 2 } as never, (err, res) =>
        err ? reject(err) : resolve(res),
      ),
    );
    expect(results).toEqual({ file: [all[11], all[10]] });
    const s = logger.stream({ start: -1 });
    const seen: unknown[] = [];
    s.on('log', (r: { message: unknown; transport: unknown }) => seen.push(r));
    await until(() => expect(seen).toHaveLength(3));
    expect(seen[0]).toEqual({ ...all[9], transport: ['file'] });
    (s as unknown as { destroy(): void }).destroy();
  });

  it('a log with no file yet gives no records, not an error', async () => {
    expect(await logFiles(path.join(tmp, 'none', 'app.log'))).toEqual([]);
  });
});

describe('FaninFileTransport.stream (winston File stream(), following rotations)', () => {
  it("emits 'log' for the existing records, new ones, and those of the file after a rotation", async () => {
    const dir = path.join(tmp, 'stream');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'app.log');
    fs.writeFileSync(file, '{"message":"old0"}\n{"message":"old1"}\n');
    const t = new FaninFileTransport(
      { filename: file, lazy: true, exitHook: false },
      { name: 'S', createWriter: (o, w) => createFileWriter(o as FileWriterOptions, w) },
    );
    const s = t.stream({ start: 0 });
    const seen: unknown[] = [];
    s.on('log', (r: { message: unknown }) => seen.push(r.message));
    await until(() => expect(seen).toEqual(['old1']));
    fs.appendFileSync(file, '{"message":"new2"}\nnot json\n{"message":"new3"}\n');
    await until(() => expect(seen).toEqual(['old1', 'new2', 'new3']));
    // A rotation as log4js naming does it: rename, then a new file at the same path.
    fs.appendFileSync(file, '{"message":"last-of-old"}');
    fs.renameSync(file, `${file}.1`);
    fs.writeFileSync(file, '{"message":"first-of-new"}\n');
    await until(() => expect(seen.slice(3)).toEqual(['last-of-old', 'first-of-new']));
    const ended = new Promise((resolve) => s.on('close', resolve));
    s.destroy();
    await ended;
  });
});
