import { once } from 'node:events';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type * as AppendFile from '@fanin/append-file';
import type * as Core from '@fanin/core';
import { describe, expect, it, vi } from 'vitest';
import { checkLog, summary } from './helpers/check-log.js';
import { forkFixture, messageOf, tempDir } from './helpers/processes.js';
import { isRoot, readOnlyDir, sharedTempDir, unprivileged } from './helpers/unprivileged.js';

// log4js loads appenders with require(), so what it throws comes from the CommonJS build. Load
// everything the same way, as the fixtures do, so that `instanceof FaninError` means one class.
const require = createRequire(import.meta.url);
const { AppendFileTransport, createAppendFileWriter } =
  require('@fanin/append-file') as typeof AppendFile;
const { FaninError, FaninOptionError } = require('@fanin/core') as typeof Core;
const winston = require('winston') as typeof import('winston');
const log4js = require('log4js') as typeof import('log4js');
const { makeRecord } = require('./fixtures/records.cjs') as {
  makeRecord(p: number, s: number, bytes: number): Record<string, unknown>;
};

const MODES = ['writer', 'winston', 'log4js'] as const;
type Mode = (typeof MODES)[number];

/** Opens a log through one front end, synchronously, as an app's start-up code would. */
function open(mode: Mode, options: Record<string, unknown>): void {
  if (mode === 'writer') {
    void createAppendFileWriter(options as AppendFile.AppendFileOptions).close();
  } else if (mode === 'winston') {
    new AppendFileTransport(options).close();
  } else {
    log4js.configure({
      appenders: { a: { type: '@fanin/append-file', ...options } },
      categories: { default: { appenders: ['a'], level: 'info' } },
    });
    log4js.shutdown();
  }
}

function thrownBy(fn: () => void): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw, but the call returned');
}

const hasProcfs = fs.existsSync('/proc/self');

describe('bad input fails fast and clearly', () => {
  for (const mode of MODES) {
    it(`${mode}: a directory as filename throws FaninError ERR_FANIN_OPEN naming the path`, () => {
      const dir = tempDir();
      const err = thrownBy(() => open(mode, { filename: dir }));
      expect(err).toBeInstanceOf(FaninError);
      expect(err).toMatchObject({ code: 'ERR_FANIN_OPEN', message: expect.stringContaining(dir) });
    });

    // Root may write anywhere chmod allows nothing, but no one can create a file in procfs.
    it.runIf(hasProcfs)(
      `${mode}: a file that cannot be created (/proc/<new>) throws ERR_FANIN_OPEN naming it`,
      () => {
        const file = `/proc/fanin-${process.pid}.log`;
        const err = thrownBy(() => open(mode, { filename: file }));
        expect(err).toBeInstanceOf(FaninError);
        expect(err).toMatchObject({
          code: 'ERR_FANIN_OPEN',
          message: expect.stringContaining(file),
        });
      },
    );

    // Node's fs.mkdirSync(dir, { recursive: true }) spins forever when mkdir of a child of an
    // existing directory keeps failing with ENOENT, as in procfs: the open must still fail, at
    // once. Run in a child process, so that a hang is bounded and killed.
    it.runIf(hasProcfs)(
      `${mode}: a file under a missing /proc directory throws ERR_FANIN_OPEN within 5 s`,
      async () => {
        const file = `/proc/fanin-missing-${process.pid}/app.log`;
        const f = forkFixture('open-log', [mode, file]);
        await vi.waitFor(() => expect(f.messages).toHaveLength(1), { timeout: 5000, interval: 50 });
        expect(f.messages[0]).toMatchObject({
          opened: false,
          code: 'ERR_FANIN_OPEN',
          message: expect.stringContaining(file),
        });
      },
    );

    // Root ignores directory permissions (EACCES never comes), and CI runs as root: the open is
    // made in a child running as nobody then (helpers/unprivileged.ts).
    it(`${mode}: a directory without write permission throws ERR_FANIN_OPEN naming the file (${isRoot ? 'as nobody' : 'as this user'})`, async () => {
      const file = path.join(readOnlyDir(sharedTempDir()), 'app.log');
      const f = forkFixture('open-log', [mode, file], { user: unprivileged() });
      expect(await messageOf(f, 'result')).toMatchObject({
        opened: false,
        code: 'ERR_FANIN_OPEN',
        message: expect.stringContaining(file),
      });
      expect(fs.existsSync(file)).toBe(false);
    });

    it(`${mode}: an unknown option throws FaninOptionError naming it`, () => {
      const filename = path.join(tempDir(), 'app.log');
      const err = thrownBy(() => open(mode, { filename, maxsise: 1_000_000 }));
      expect(err).toBeInstanceOf(FaninOptionError);
      expect(err).toMatchObject({
        code: 'ERR_FANIN_OPTION',
        option: 'maxsise',
        message: expect.stringContaining('"maxsise"'),
      });
      expect(fs.existsSync(filename)).toBe(false);
    });
  }
});

describe('filenames as log4js and winston read them (#16 defects 5 and 6)', () => {
  for (const mode of ['winston', 'log4js'] as const) {
    it(`${mode}: filename "" throws FaninOptionError "filename is empty", not EISDIR`, () => {
      const err = thrownBy(() => open(mode, { filename: '' }));
      expect(err).toBeInstanceOf(FaninOptionError);
      expect(err).toMatchObject({
        option: 'filename',
        message: expect.stringContaining('filename is empty'),
      });
    });
  }

  it('log4js: a leading "~/" is the home directory, as log4js file expands it', async () => {
    const home = tempDir();
    const saved = process.env.HOME;
    process.env.HOME = home; // os.homedir() reads $HOME first
    try {
      log4js.configure({
        appenders: {
          a: {
            type: '@fanin/append-file',
            filename: '~/logs/app.log',
            layout: { type: 'messagePassThrough' },
          },
        },
        categories: { default: { appenders: ['a'], level: 'info' } },
      });
      log4js.getLogger().info('at home');
      await new Promise((resolve) => log4js.shutdown(resolve));
    } finally {
      process.env.HOME = saved;
    }
    expect(fs.readFileSync(path.join(home, 'logs/app.log'), 'utf8')).toBe('at home\n');
  });
});

describe('winston: a record without a formatted message', () => {
  // The logger's format leaves info[Symbol.for('message')] unset; the transport's format sets it
  // for every record but the bad one.
  function loggerWithOneBadRecord(filename: string) {
    const json = winston.format.json();
    const transport = new AppendFileTransport({
      filename,
      format: winston.format((info) => (info.bad ? info : json.transform(info, json.options)))(),
    });
    const logger = winston.createLogger({
      format: winston.format((info) => info)(),
      transports: [transport],
    });
    const warnings: unknown[] = [];
    logger.on('warn', (err: unknown) => warnings.push(err));
    logger.info('not formatted', { bad: true });
    for (let s = 0; s < 3; s++) logger.info('record', makeRecord(0, s, 100));
    logger.end();
    return { transport, warnings, finished: once(logger, 'finish') };
  }

  it("is dropped with a 'warn' event and counted; the records after it are written", async () => {
    const filename = path.join(tempDir(), 'app.log');
    const { transport, warnings, finished } = loggerWithOneBadRecord(filename);
    await finished;

    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toBeInstanceOf(FaninError);
    expect(warnings[0]).toMatchObject({ code: 'ERR_FANIN_RECORD' });
    expect(transport.writer.stats().dropped).toMatchObject({
      total: 1,
      byReason: { 'invalid-record': 1 },
    });
    const check = checkLog(fs.readFileSync(filename, 'utf8'), [3]);
    // The one foreign line is the loss notice that reports the dropped record in the log itself.
    expect(summary(check)).toEqual({
      ...{ total: 3, torn: 0, foreign: 1 },
      ...{ duplicates: 0, missing: 0, outOfOrder: 0, unexpected: 0 },
    });
    expect(check.foreignLines[0]).toMatchObject({
      level: 'warn',
      fanin: { lost: 1, byReason: { 'invalid-record': 1 } },
    });
  });

  it('counts the dropped record under its level in stats().dropped.byLevel', async () => {
    const { transport, finished } = loggerWithOneBadRecord(path.join(tempDir(), 'app.log'));
    await finished;
    expect(transport.writer.stats().dropped.byLevel).toEqual({ info: 1 });
  });
});
