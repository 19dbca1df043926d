import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import log4js from 'log4js';
import { afterAll, describe, expect, it, vi } from 'vitest';
import winston from 'winston';
import {
  createFileWriter,
  createLog4jsConfigure,
  FaninError,
  FaninOptionError,
  FaninTransport,
  type FileWriterOptions,
  type Log4jsAppender,
  type Log4jsLayouts,
} from '../src/index.js';
import { MemoryDriver } from '../src/testing/index.js';
import { linesOf, noticeOf, until } from './helpers.js';

const FILE = '/logs/app.log';
const MESSAGE = Symbol.for('message');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fanin-core-adapters-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const createWriter = (o: Record<string, unknown>, where: string) =>
  createFileWriter(o as FileWriterOptions, where);

/** A transport package as small as the house style wants one: a writer and a class. */
class MemTransport extends FaninTransport {
  constructor(options: Record<string, unknown>) {
    super(options, { name: 'MemTransport', createWriter });
  }
}

const printf = winston.format.printf((i) => `${i.level}|${String(i.message)}`);

function winstonSetup(options: Record<string, unknown> = {}, loggerLevel = 'debug') {
  const mem = new MemoryDriver();
  const transport = new MemTransport({ filename: FILE, driver: mem, exitHook: false, ...options });
  const logger = winston.createLogger({ level: loggerLevel, transports: [transport] });
  const finished = new Promise<string | undefined>((resolve) => {
    transport.on('finish', () => resolve(mem.read(FILE)));
  });
  return { mem, transport, logger, finished };
}

describe('FaninTransport (winston)', () => {
  it('filters by level, applies its format, and appends eol', async () => {
    const { logger, finished } = winstonSetup({ level: 'info', format: printf, eol: '\n' });
    logger.debug('hidden');
    logger.info('a');
    logger.warn('b');
    logger.error('c');
    logger.end();
    expect(await finished).toBe('info|a\nwarn|b\nerror|c\n');
  });

  it("writes the logger's format when it has none, ending lines with os.EOL", async () => {
    const { logger, finished } = winstonSetup();
    logger.info('hello', { n: 1 });
    logger.end();
    expect(await finished).toBe(`{"level":"info","message":"hello","n":1}${os.EOL}`);
  });

  it('applies its format on the batched logv path too (winston-transport#49)', async () => {
    const { logger, transport, finished } = winstonSetup({
      level: 'info',
      format: printf,
      eol: '\n',
    });
    const logv = vi.spyOn(transport, 'logv');
    transport.cork();
    logger.info('one');
    logger.debug('filtered');
    logger.warn('two');
    logger.info('three');
    await until(() => expect(transport.writableLength).toBe(4));
    transport.uncork();
    logger.end();
    expect(await finished).toBe('info|one\nwarn|two\ninfo|three\n');
    expect(logv).toHaveBeenCalledTimes(1);
    expect(logv.mock.calls[0]?.[0]).toHaveLength(3);
  });

  it("emits 'logged' once the record is written, not before", async () => {
    const { mem, logger, transport } = winstonSetup({ format: printf, eol: '\n' });
    const seen = new Promise<{ message: unknown; content: string | undefined }>((resolve) => {
      transport.on('logged', (info: { message: unknown }) =>
        resolve({ message: info.message, content: mem.read(FILE) }),
      );
    });
    logger.info('first');
    expect(await seen).toEqual({ message: 'first', content: 'info|first\n' });
    logger.end();
  });

  it("emits 'logged' once per record, in order, each after its record is written, across turns", async () => {
    const { mem, logger, transport } = winstonSetup({ format: printf, eol: '\n' });
    const seen: { message: unknown; inFile: boolean }[] = [];
    transport.on('logged', (info: { message: unknown }) =>
      seen.push({
        message: info.message,
        inFile: (mem.read(FILE) ?? '').includes(`info|${String(info.message)}\n`),
      }),
    );
    for (let turn = 0; turn < 3; turn++) {
      for (let i = 0; i < 40; i++) logger.info(`t${turn}r${i}`);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await until(() => expect(seen).toHaveLength(120));
    const expected = Array.from({ length: 120 }, (_, k) => `t${Math.floor(k / 40)}r${k % 40}`);
    expect(seen.map((s) => s.message)).toEqual(expected);
    expect(seen.every((s) => s.inFile)).toBe(true);
    logger.end();
  });

  it("emits 'finish' after logger.end() only once the records are in the file", async () => {
    const { mem, logger, finished, transport } = winstonSetup({ format: printf, eol: '\n' });
    for (let i = 0; i < 50; i++) logger.info(`r${i}`);
    logger.end();
    const content = await finished;
    expect(linesOf(content)).toEqual(Array.from({ length: 50 }, (_, i) => `info|r${i}`));
    expect(mem.openCount()).toBe(0);
    expect(transport.writer.stats()).toMatchObject({ records: 50, dropped: { total: 0 } });
  });

  it("reports a non-string info[MESSAGE] through 'warn', counts it, and writes the rest", async () => {
    const breakBad = winston.format((info) => {
      if (info.message === 'bad') (info as Record<symbol, unknown>)[MESSAGE] = { not: 'a string' };
      return info;
    });
    const { logger, transport, finished } = winstonSetup({
      format: winston.format.combine(printf, breakBad()),
      eol: '\n',
    });
    const transportWarnings: unknown[] = [];
    const loggerWarnings: unknown[] = [];
    transport.on('warn', (e: unknown) => transportWarnings.push(e));
    logger.on('warn', (e: unknown) => loggerWarnings.push(e));
    logger.info('before');
    logger.info('bad');
    logger.info('after');
    logger.end();
    const lines = linesOf(await finished);
    expect(lines.filter((l) => !noticeOf(l))).toEqual(['info|before', 'info|after']);
    expect(lines.map(noticeOf).filter(Boolean)).toEqual([
      expect.objectContaining({ lost: 1, byReason: { 'invalid-record': 1 } }),
    ]);
    expect(transportWarnings).toHaveLength(1);
    expect(transportWarnings[0]).toBeInstanceOf(FaninError);
    expect(transportWarnings[0]).toMatchObject({
      code: 'ERR_FANIN_RECORD',
      message: expect.stringContaining("info[Symbol.for('message')] must be a string"),
    });
    expect(loggerWarnings).toEqual(transportWarnings);
    expect(transport.writer.stats().dropped.byReason).toEqual({ 'invalid-record': 1 });
  });

  it('writes nothing when silent', async () => {
    const { logger, finished } = winstonSetup({ silent: true });
    logger.error('quiet');
    logger.end();
    expect(await finished).toBe('');
  });

  it('joins dirname and filename as winston does', async () => {
    const mem = new MemoryDriver();
    const transport = new MemTransport({
      dirname: '/var/log/app',
      filename: 'x.log',
      driver: mem,
      exitHook: false,
      eol: '\n',
      format: printf,
    });
    const logger = winston.createLogger({ transports: [transport] });
    const finished = new Promise<void>((resolve) => transport.on('finish', resolve));
    logger.info('here');
    logger.end();
    await finished;
    expect(mem.read('/var/log/app/x.log')).toBe('info|here\n');
  });

  for (const [options, option, message] of [
    [
      { filname: 'x.log' },
      'filname',
      'MemTransport: unknown option "filname" (did you mean "filename"?)',
    ],
    [
      { filename: FILE, options: { flags: 'w' } },
      'options.flags',
      'MemTransport: option "options.flags" expects one of "a", "a+", "as", "as+", got "w" (any other flag',
    ],
    [
      { filename: FILE, options: { highWaterMark: 1 } },
      'options.highWaterMark',
      'MemTransport: unknown option "options.highWaterMark" (known options: options.encoding, options.flags, options.mode)',
    ],
    [
      { filename: FILE, stream: process.stdout },
      'stream',
      'MemTransport: option "stream" is not supported: ',
    ],
    [{ filename: FILE, level: 3 }, 'level', 'MemTransport: option "level" expects a string, got 3'],
  ] as const) {
    it(`rejects ${JSON.stringify(Object.keys(options).at(-1))} with an error naming ${option}`, () => {
      let caught: unknown;
      try {
        new MemTransport({ driver: new MemoryDriver(), ...options });
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(FaninOptionError);
      expect((caught as FaninOptionError).option).toBe(option);
      expect((caught as FaninOptionError).message.startsWith(message)).toBe(true);
    });
  }
});

const requireCjs = createRequire(import.meta.url);
const layouts = requireCjs('log4js/lib/layouts') as Log4jsLayouts & {
  addLayout(name: string, make: (config: unknown) => (event: unknown) => string): void;
};
const configure = createLog4jsConfigure({ name: 'mem-appender', createWriter });

/** Configures the real log4js with our appender writing to `mem`, as a user's config would. */
function log4jsSetup(mem: MemoryDriver, extra: Record<string, unknown> = {}) {
  let appender: Log4jsAppender | undefined;
  // log4js loads an appender module given as `type` and calls its configure(config, layouts).
  const type = {
    configure: (config?: unknown, l?: unknown) => {
      const c = config as Record<string, unknown>;
      appender = configure({ ...c, driver: mem, exitHook: false }, l as Log4jsLayouts);
      return appender;
    },
  };
  log4js.configure({
    appenders: { mem: { type, filename: FILE, ...extra } },
    categories: { default: { appenders: ['mem'], level: 'info' } },
  });
  const shutdown = () =>
    new Promise<string | undefined>((resolve, reject) =>
      log4js.shutdown((err) => (err ? reject(err) : resolve(mem.read(FILE)))),
    );
  return { logger: log4js.getLogger('cat'), shutdown, appender: () => appender };
}

describe('createLog4jsConfigure (log4js)', () => {
  it('writes the basic layout plus os.EOL by default, filtered by the category level', async () => {
    const mem = new MemoryDriver();
    const { logger, shutdown } = log4jsSetup(mem);
    logger.debug('hidden');
    logger.info('hello', 42, { a: 1 });
    logger.error('bad');
    const lines = (await shutdown())?.split(os.EOL) ?? [];
    expect(lines.pop()).toBe('');
    const stamp = String.raw`\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\]`;
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^${stamp} \\[INFO\\] cat - hello 42 \\{ a: 1 \\}$`));
    expect(lines[1]).toMatch(new RegExp(`^${stamp} \\[ERROR\\] cat - bad$`));
  });

  it('uses a layout from the config and a custom eol', async () => {
    const mem = new MemoryDriver();
    const { logger, shutdown } = log4jsSetup(mem, {
      layout: { type: 'pattern', pattern: '%p %c %m' },
      eol: '\r\n',
    });
    logger.warn('one');
    logger.info('two');
    expect(await shutdown()).toBe('WARN cat one\r\nINFO cat two\r\n');
  });

  it('calls the shutdown callback only after every record is written, and closes the file', async () => {
    const mem = new MemoryDriver();
    const { logger, shutdown, appender } = log4jsSetup(mem, {
      layout: { type: 'messagePassThrough' },
    });
    for (let i = 0; i < 100; i++) logger.info(`r${i}`);
    expect(mem.read(FILE)).toBe('');
    const content = await shutdown();
    expect(linesOf(content)).toEqual(Array.from({ length: 100 }, (_, i) => `r${i}`));
    expect(mem.openCount()).toBe(0);
    expect(appender()?.writer.stats()).toMatchObject({ records: 100, dropped: { total: 0 } });
  });

  it('strips ANSI colours when removeColor is set', async () => {
    const mem = new MemoryDriver();
    const { logger, shutdown } = log4jsSetup(mem, {
      layout: { type: 'messagePassThrough' },
      removeColor: true,
      eol: '\n',
    });
    logger.info('\x1b[31mred\x1b[39m and \x1b[1;32mgreen\x1b[0m');
    expect(await shutdown()).toBe('red and green\n');
  });

  it('counts and reports a record whose layout throws, and writes the others', async () => {
    layouts.addLayout('throwing', () => (event) => {
      const data = (event as { data: unknown[] }).data;
      if (data[0] === 'boom') throw new Error('layout exploded');
      return String(data[0]);
    });
    const mem = new MemoryDriver();
    const onError = vi.fn<(err: FaninError) => void>();
    const appender = configure(
      {
        type: 'x',
        filename: FILE,
        driver: mem,
        exitHook: false,
        onError,
        layout: { type: 'throwing' },
        eol: '\n',
      },
      layouts,
    );
    appender({ level: { levelStr: 'INFO' }, data: ['ok'] });
    appender({ level: { levelStr: 'INFO' }, data: ['boom'] });
    appender({ level: { levelStr: 'INFO' }, data: ['fine'] });
    await new Promise<void>((resolve, reject) =>
      appender.shutdown((e) => (e ? reject(e) : resolve())),
    );
    expect(linesOf(mem.read(FILE)).filter((l) => !noticeOf(l))).toEqual(['ok', 'fine']);
    expect(appender.writer.stats().dropped.byReason).toEqual({ 'layout-error': 1 });
    expect(onError).toHaveBeenCalledTimes(1);
    expect(onError.mock.calls[0]?.[0].message).toBe(
      'mem-appender: layout threw: Error: layout exploded',
    );
  });

  it('passes the level to the writer (drops after shutdown are counted by level)', async () => {
    const mem = new MemoryDriver();
    const appender = configure(
      { type: 'x', filename: FILE, driver: mem, exitHook: false, onError: () => {} },
      layouts,
    );
    await new Promise<void>((resolve) => appender.shutdown(() => resolve()));
    appender({ level: { levelStr: 'WARN' }, data: ['late'] });
    expect(appender.writer.stats().dropped).toEqual({
      total: 1,
      byReason: { closed: 1 },
      byLevel: { WARN: 1 },
    });
  });

  it('creates the file with mode 0o600 by default, as log4js does', async () => {
    const file = path.join(tmp, 'l4.log');
    const appender = configure({ type: 'x', filename: file, exitHook: false }, layouts);
    await new Promise<void>((resolve) => appender.shutdown(() => resolve()));
    expect(fs.statSync(file).mode & 0o777).toBe(0o600 & ~process.umask());
  });

  for (const [config, option, message] of [
    [{ bogus: 1 }, 'bogus', 'mem-appender: unknown option "bogus" (known options: '],
    [
      { flags: 'w' },
      'flags',
      'mem-appender: option "flags" expects one of "a", "a+", "as", "as+", got "w"',
    ],
    [
      { encoding: 'latin1' },
      'encoding',
      'mem-appender: option "encoding" expects one of "utf8", "utf-8", got "latin1"',
    ],
    [
      { numBackups: -1 },
      'numBackups',
      'mem-appender: option "numBackups" expects an integer >= 0, got -1',
    ],
    [
      { mode: '644' },
      'mode',
      'mem-appender: option "mode" expects an integer >= 0 <= 4095, got "644"',
    ],
  ] as const) {
    it(`rejects ${JSON.stringify(config)} with an error naming ${option}`, () => {
      let caught: unknown;
      try {
        configure({ type: 'x', filename: FILE, driver: new MemoryDriver(), ...config }, layouts);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(FaninOptionError);
      expect((caught as FaninOptionError).option).toBe(option);
      expect((caught as FaninOptionError).message.startsWith(message)).toBe(true);
    });
  }

  it('rejects an unknown layout type', () => {
    expect(() =>
      configure(
        { type: 'x', filename: FILE, driver: new MemoryDriver(), layout: { type: 'nope' } },
        layouts,
      ),
    ).toThrow(
      expect.objectContaining({
        code: 'ERR_FANIN_OPTION',
        message: 'mem-appender: unknown layout type "nope"',
      }),
    );
  });
});
