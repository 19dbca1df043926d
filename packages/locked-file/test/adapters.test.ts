import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Log4jsAppender } from '@fanin/core';
import { optionError } from '@fanin/core/testing';
import log4js from 'log4js';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import winston from 'winston';
import { configure, LockedFileTransport } from '../src/index.js';

function scratch() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fanin-locked-adapters-'));
  onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'app.log');
  return { dir, file, lockDir: `${file}.lock`, read: () => fs.readFileSync(file, 'utf8') };
}

const until = (check: () => void, timeout = 3000) => vi.waitFor(check, { timeout, interval: 2 });

function winstonLogger(options: Record<string, unknown>) {
  const transport = new LockedFileTransport({ exitHook: false, ...options });
  const logger = winston.createLogger({ format: winston.format.json(), transports: [transport] });
  let finished = false;
  const ended = new Promise<void>((resolve) => {
    logger.on('finish', () => {
      finished = true;
      resolve();
    });
  });
  return { transport, logger, ended, finished: () => finished };
}

describe('LockedFileTransport (winston)', () => {
  it('writes JSON lines under the lock; logger.end() finishes once they are in the file', async () => {
    const s = scratch();
    const { transport, logger, ended } = winstonLogger({ filename: s.file, lockRetryMs: 2 });
    logger.info('hello', { n: 1 });
    logger.warn('big', { pad: 'x'.repeat(256 * 1024) });
    logger.end();
    await ended;

    const lines = s.read().split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      { level: 'info', message: 'hello', n: 1 },
      { level: 'warn', message: 'big', pad: 'x'.repeat(256 * 1024) },
    ]);
    expect(transport.writer.stats()).toMatchObject({
      records: 2,
      dropped: { total: 0 },
      lock: { busy: 0, exitBypasses: 0 },
    });
    expect(transport.writer.stats().lock?.acquired).toBeGreaterThanOrEqual(1);
    expect(fs.existsSync(s.lockDir)).toBe(false);
  });

  it("'finish' waits for a lock another process holds", async () => {
    const s = scratch();
    fs.mkdirSync(s.lockDir);
    const { transport, logger, ended, finished } = winstonLogger({
      filename: s.file,
      lockRetryMs: 2,
    });
    logger.info('waiting');
    logger.end();
    await until(() => expect(transport.writer.stats().lock?.busy).toBeGreaterThanOrEqual(3));
    expect(finished()).toBe(false);
    expect(s.read()).toBe('');

    fs.rmdirSync(s.lockDir);
    await ended;
    expect(JSON.parse(s.read())).toEqual({ level: 'info', message: 'waiting' });
    expect(transport.writer.stats().lock).toMatchObject({ acquired: 1, exitBypasses: 0 });
  });

  const rejected: [string, Record<string, unknown>][] = [
    ['lockTimeoutMS', { lockTimeoutMS: 10 }],
    ['fd', { fd: 1 }],
    ['lock', { lock: 'flock' }],
  ];
  for (const [option, given] of rejected) {
    it(`rejects ${JSON.stringify(given)} with a FaninOptionError naming "${option}"`, () => {
      const s = scratch();
      const err = optionError(() => new LockedFileTransport({ filename: s.file, ...given }));
      expect(err.option).toBe(option);
      expect(fs.readdirSync(s.dir)).toEqual([]);
    });
  }
});

/** Configures log4js with one @fanin/locked-file appender; returns the appender and a logger. */
function log4jsLogger(config: Record<string, unknown>) {
  const made: { appender?: Log4jsAppender } = {};
  // The module object itself, wrapped only to keep a handle on the appender for its stats.
  // (log4js's typings want its own LoggingEvent; fanin's appender reads only part of it.)
  const type = {
    configure: (...args: Parameters<typeof configure>) => {
      made.appender = configure(...args);
      return made.appender;
    },
  } as unknown as log4js.AppenderModule;
  log4js.configure({
    appenders: { a: { type, ...config } },
    categories: { default: { appenders: ['a'], level: 'info' } },
  });
  const shutdown = () =>
    new Promise<void>((resolve, reject) =>
      log4js.shutdown((err?: Error) => (err ? reject(err) : resolve())),
    );
  const { appender } = made;
  if (!appender) throw new Error('log4js did not call configure');
  return { appender, logger: log4js.getLogger(), shutdown };
}

describe('configure (log4js)', () => {
  it('writes layout lines under the lock; shutdown calls back once they are in the file', async () => {
    const s = scratch();
    const { appender, logger, shutdown } = log4jsLogger({
      filename: s.file,
      layout: { type: 'messagePassThrough' },
      lockStaleMs: 3000,
      lockRetryMs: 2,
      lockTimeoutMs: 200,
      exitHook: false,
    });
    logger.info('one');
    logger.error('two');
    logger.debug('below the level');
    await shutdown();

    expect(s.read()).toBe(`one${os.EOL}two${os.EOL}`);
    expect(appender.writer.stats()).toMatchObject({
      records: 2,
      lock: { acquired: 1, exitBypasses: 0 },
    });
    expect(fs.existsSync(s.lockDir)).toBe(false);
  });

  it('rotates with maxLogSize under the same lock, with log4js names', async () => {
    const s = scratch();
    const { appender, logger, shutdown } = log4jsLogger({
      filename: s.file,
      layout: { type: 'messagePassThrough' },
      maxLogSize: '4K',
      backups: 10,
      exitHook: false,
    });
    const line = (i: number) => `${`r${i}`.padEnd(99, '.')}`;
    for (let i = 0; i < 100; i++) {
      logger.info(line(i));
      if (i % 10 === 9) await until(() => expect(appender.writer.stats().records).toBe(i + 1));
    }
    await shutdown();

    const names = fs.readdirSync(s.dir).sort();
    expect(names).toEqual(['app.log', 'app.log.1', 'app.log.2']);
    const text = ['app.log.2', 'app.log.1', 'app.log']
      .map((n) => fs.readFileSync(path.join(s.dir, n), 'utf8'))
      .join('');
    expect(text).toBe(Array.from({ length: 100 }, (_, i) => `${line(i)}${os.EOL}`).join(''));
    expect(appender.writer.stats()).toMatchObject({ rotations: 2, lock: { exitBypasses: 0 } });
  });

  const rejected: [string, Record<string, unknown>][] = [
    ['lockStaleMS', { lockStaleMS: 10 }],
    ['fd', { fd: 1 }],
  ];
  for (const [option, given] of rejected) {
    it(`rejects ${JSON.stringify(given)} with a FaninOptionError naming "${option}"`, () => {
      const s = scratch();
      const err = optionError(() => log4jsLogger({ filename: s.file, ...given }));
      expect(err.option).toBe(option);
    });
  }
});
