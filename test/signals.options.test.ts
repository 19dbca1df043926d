import * as path from 'node:path';
import { AppendFileTransport, configure } from '@fanin/append-file';
import { createFileWriter, FaninOptionError } from '@fanin/core';
import { MemoryDriver } from '@fanin/core/testing';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers/processes.js';

// The `signals` / `reopenOnSignal` options and when fanin's listeners exist: with the first
// writer that wants them, gone with the last.
const FANIN = Symbol.for('fanin.signal-listener');
const ours = (sig: string) =>
  process.listeners(sig as NodeJS.Signals).filter((l) => (l as never)[FANIN] === true).length;
const counts = () => ({ SIGTERM: ours('SIGTERM'), SIGINT: ours('SIGINT'), SIGHUP: ours('SIGHUP') });
const NONE = { SIGTERM: 0, SIGINT: 0, SIGHUP: 0 };
const ALL = { SIGTERM: 1, SIGINT: 1, SIGHUP: 1 };

const layouts = {
  basicLayout: () => 'x',
  layout: () => () => 'x',
};

describe('signal listeners follow the writers that want them', () => {
  it('winston: one listener per signal for any number of writers, none once all are closed', async () => {
    const dir = tempDir();
    expect(counts()).toEqual(NONE);
    const a = new AppendFileTransport({ filename: path.join(dir, 'a.log') });
    const b = new AppendFileTransport({ filename: path.join(dir, 'b.log') });
    expect(counts()).toEqual(ALL);
    await a.writer.close();
    expect(counts()).toEqual(ALL);
    await b.writer.close();
    expect(counts()).toEqual(NONE);
  });

  it('signals: false installs none; a list installs those only', async () => {
    const dir = tempDir();
    const off = new AppendFileTransport({ filename: path.join(dir, 'a.log'), signals: false });
    expect(counts()).toEqual(NONE);
    const term = new AppendFileTransport({
      filename: path.join(dir, 'b.log'),
      signals: ['SIGTERM'],
    });
    expect(counts()).toEqual({ SIGTERM: 1, SIGINT: 0, SIGHUP: 0 });
    await Promise.all([off.writer.close(), term.writer.close()]);
    expect(counts()).toEqual(NONE);
  });

  it('reopenOnSignal: true listens to SIGHUP even with signals: false', async () => {
    const t = new AppendFileTransport({
      filename: path.join(tempDir(), 'a.log'),
      signals: false,
      reopenOnSignal: true,
    });
    expect(counts()).toEqual({ SIGTERM: 0, SIGINT: 0, SIGHUP: 1 });
    await t.writer.close();
    expect(counts()).toEqual(NONE);
  });

  it('log4js: all three by default; signals: false none (no reopen on SIGHUP either)', async () => {
    const dir = tempDir();
    const a = configure({ filename: path.join(dir, 'a.log') }, layouts);
    expect(counts()).toEqual(ALL);
    await a.writer.close();
    const b = configure({ filename: path.join(dir, 'b.log'), signals: false }, layouts);
    expect(counts()).toEqual(NONE);
    await b.writer.close();
  });
});

describe('signal options are checked', () => {
  const filename = '/tmp/never-written.log';
  it.each([
    ['SIGUSR1 in the list', { filename, signals: ['SIGUSR1'] }],
    ['a string', { filename, signals: 'SIGTERM' }],
    ['reopenOnSignal not a boolean', { filename, reopenOnSignal: 'yes' }],
  ])('winston refuses %s, naming the option', (_, options) => {
    expect(() => new AppendFileTransport(options as never)).toThrow(FaninOptionError);
    expect(() => new AppendFileTransport(options as never)).toThrow(/"(signals|reopenOnSignal)"/);
  });

  it('log4js refuses reopenOnSignal (its appenders always reopen on SIGHUP)', () => {
    expect(() => configure({ filename, reopenOnSignal: true }, layouts)).toThrow(
      /unknown option "reopenOnSignal"/,
    );
  });
});

describe('what the signal flush asks of a BatchWriter', () => {
  it('writeThrough(): each later record is in the file when write() returns', async () => {
    const driver = new MemoryDriver();
    const w = createFileWriter({ filename: '/logs/a.log', driver });
    w.write('queued\n');
    expect(driver.read('/logs/a.log') ?? '').toBe('');
    w.writeThrough();
    w.write('through\n');
    expect(driver.read('/logs/a.log')).toBe('queued\nthrough\n');
    await w.close();
  });

  it('reopen(): writes what is queued to the moved file, then opens the path anew', async () => {
    const driver = new MemoryDriver();
    // A long reopenCheckMs: only reopen() can notice the move here.
    const w = createFileWriter({ filename: '/logs/a.log', driver, reopenCheckMs: 60_000 });
    w.write('before\n');
    w.flushSync();
    w.write('queued\n');
    driver.rename('/logs/a.log', '/logs/a.log.1');
    w.reopen();
    w.write('after\n');
    w.flushSync();
    expect(driver.read('/logs/a.log.1')).toBe('before\nqueued\n');
    expect(driver.read('/logs/a.log')).toBe('after\n');
    await w.close();
  });
});
