import { describe, expect, it } from 'vitest';
import { createFileWriter, type FileWriterOptions, type OptionSpec } from '../src/index.js';
import { checkOptions, fileWriterSpec, parseSize } from '../src/internal.js';
import { MemoryDriver, optionError } from '../src/testing/index.js';

const base = { filename: '/logs/app.log', driver: new MemoryDriver(), exitHook: false };
const create = (extra: Record<string, unknown>) =>
  createFileWriter({ ...base, ...extra } as FileWriterOptions, 'createThing');

describe('createFileWriter: option checks', () => {
  it('rejects an unknown option, naming it and the close one it may mean', () => {
    const err = optionError(() => create({ filname: 'x.log' }));
    expect(err.option).toBe('filname');
    expect(err.message).toBe('createThing: unknown option "filname" (did you mean "filename"?)');
  });

  it('rejects an unknown option with nothing close, listing the known ones', () => {
    const err = optionError(() => create({ colour: 'red' }));
    const known = Object.keys(fileWriterSpec).sort().join(', ');
    expect(err.message).toBe(`createThing: unknown option "colour" (known options: ${known})`);
    for (const name of ['batchBytes', 'driver', 'fd', 'filename', 'onError', 'whenFull']) {
      expect(known.split(', ')).toContain(name);
    }
  });

  for (const [option, value, expected, given] of [
    [
      'batchBytes',
      'lots',
      'a byte count: a positive integer or a string such as "512K", "10M", "1G"',
      '"lots"',
    ],
    [
      'maxBufferBytes',
      -1,
      'a byte count: a positive integer or a string such as "512K", "10M", "1G"',
      '-1',
    ],
    ['retryMinMs', 0, 'an integer >= 1', '0'],
    ['retryMaxMs', 2.5, 'an integer >= 1', '2.5'],
    ['reopenCheckMs', '100', 'an integer >= 0', '"100"'],
    ['chunkBytes', 100, 'an integer >= 256 <= 65536', '100'],
    ['mode', 0o10000, 'an integer >= 0 <= 4095', '4096'],
    ['lazy', 'yes', 'a boolean', '"yes"'],
    ['mkdir', 1, 'a boolean', '1'],
    ['filename', 42, 'a string', '42'],
    ['onError', 'console.error', 'a function', '"console.error"'],
    ['driver', [], 'an object', 'an array'],
    ['whenFull', 'wait', '"drop", "block" or { blockMs: <integer >= 0> }', '"wait"'],
    ['whenFull', { blockMs: -1 }, '"drop", "block" or { blockMs: <integer >= 0> }', 'an object'],
    [
      'whenFull',
      { blockMs: 5, extra: 1 },
      '"drop", "block" or { blockMs: <integer >= 0> }',
      'an object',
    ],
    ['formatNotice', 'json', 'a function or null', '"json"'],
    ['exitHook', null, 'a boolean', 'null'],
  ] as const) {
    it(`rejects ${option}: ${JSON.stringify(value)}, naming what it expects and what it got`, () => {
      const err = optionError(() => create({ [option]: value }));
      expect(err.option).toBe(option);
      expect(err.message).toBe(`createThing: option "${option}" expects ${expected}, got ${given}`);
    });
  }

  it('accepts every documented form of the options', async () => {
    const mem = new MemoryDriver();
    const writer = createFileWriter({
      filename: '/logs/app.log',
      driver: mem,
      mode: 0o600,
      mkdir: true,
      lazy: true,
      reopenCheckMs: 0,
      chunkBytes: 256,
      eagainTimeoutMs: 0,
      onWarning: () => {},
      batchBytes: '1K' as unknown as number,
      maxBufferBytes: '1M' as unknown as number,
      maxRecordBytes: 4096,
      whenFull: { blockMs: 0 },
      onError: () => {},
      retryMinMs: 1,
      retryMaxMs: 1,
      noticeIntervalMs: 0,
      formatNotice: null,
      exitHook: false,
      fd: undefined,
    });
    // batchBytes "1K" became 1024: a record of that size is written at once, inline.
    writer.write(`${'k'.repeat(1023)}\n`);
    expect(mem.writes).toEqual([1024]);
    await writer.close();
  });

  it('wants exactly one of filename and fd', () => {
    for (const opts of [{}, { filename: '/a.log', fd: 1 }]) {
      const err = optionError(() => createFileWriter({ ...opts, driver: new MemoryDriver() }));
      expect(err.option).toBe('filename');
      expect(err.message).toBe('createFileWriter: give exactly one of "filename" or "fd"');
    }
  });

  it('rejects options that are not an object', () => {
    for (const [given, shown] of [
      ['app.log', '"app.log"'],
      [null, 'null'],
      [['a'], 'an array'],
      [7, '7'],
    ] as const) {
      const err = optionError(() => createFileWriter(given as unknown as FileWriterOptions));
      expect(err.option).toBe('options');
      expect(err.message).toBe(`createFileWriter: options must be an object, got ${shown}`);
    }
  });
});

describe('checkOptions', () => {
  const spec: OptionSpec = {
    size: { kind: 'size' },
    color: { kind: 'enum', values: ['red', 'green'] },
    rotate: { kind: 'unsupported', why: 'use logrotate' },
  };

  it('lets undefined values and an undefined bag pass', () => {
    expect(() => checkOptions('X', undefined, spec)).not.toThrow();
    expect(() => checkOptions('X', { size: undefined, rotate: undefined }, spec)).not.toThrow();
    expect(() => checkOptions('X', { size: '10M', color: 'red' }, spec)).not.toThrow();
  });

  it('rejects a value outside an enum, listing the values', () => {
    const err = optionError(() => checkOptions('X', { color: 'blue' }, spec));
    expect(err.message).toBe('X: option "color" expects one of "red", "green", got "blue"');
  });

  it('rejects a known but unsupported option with the reason', () => {
    const err = optionError(() => checkOptions('X', { rotate: true }, spec));
    expect(err.option).toBe('rotate');
    expect(err.message).toBe('X: option "rotate" is not supported: use logrotate');
  });

  it('names the first unknown option even next to valid ones', () => {
    const err = optionError(() => checkOptions('X', { size: 1, colour: 'red' }, spec));
    expect(err.message).toBe('X: unknown option "colour" (did you mean "color"?)');
    const far = optionError(() => checkOptions('X', { size: 1, hue: 'red' }, spec));
    expect(far.message).toBe('X: unknown option "hue" (known options: color, rotate, size)');
  });
});

describe('parseSize', () => {
  for (const [given, bytes] of [
    [1, 1],
    [512, 512],
    ['512', 512],
    ['512K', 512 * 1024],
    ['512k', 512 * 1024],
    ['10M', 10 * 1024 ** 2],
    ['10 M', 10 * 1024 ** 2],
    [' 10m ', 10 * 1024 ** 2],
    ['10MB', 10 * 1024 ** 2],
    ['1G', 1024 ** 3],
    ['1g', 1024 ** 3],
    ['100b', 100],
  ] as const) {
    it(`reads ${JSON.stringify(given)} as ${bytes}`, () => {
      expect(parseSize('maxLogSize', given)).toBe(bytes);
    });
  }

  for (const [given, shown] of [
    [0, '0'],
    ['0', '"0"'],
    ['0K', '"0K"'],
    [-1, '-1'],
    [1.5, '1.5'],
    ['1.5M', '"1.5M"'],
    ['10T', '"10T"'],
    ['10KiB', '"10KiB"'],
    ['M', '"M"'],
    ['', '""'],
    ['-5M', '"-5M"'],
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, 'Infinity'],
    [null, 'null'],
    [undefined, 'undefined'],
    [{}, 'an object'],
    [true, 'true'],
  ] as const) {
    it(`rejects ${shown}, naming the option`, () => {
      const err = optionError(() => parseSize('maxLogSize', given));
      expect(err.option).toBe('maxLogSize');
      expect(err.message).toBe(
        `option "maxLogSize" expects a byte count: a positive integer or a string such as "512K", "10M", "1G", got ${shown}`,
      );
    });
  }
});
