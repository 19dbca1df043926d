import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { WinstonFileOptions } from '../src/index.js';
import {
  checkLog4jsConfig,
  checkWinstonOptions,
  fileWriterSpec,
  fromLog4jsConfig,
  fromWinstonOptions,
  warnOptionOnce,
} from '../src/internal.js';
import { optionError } from '../src/testing/index.js';

type Conf = Record<string, unknown>;

function winston(given: Conf) {
  const warnings: string[] = [];
  checkWinstonOptions('T', given, fileWriterSpec, (m) => warnings.push(m));
  return { ...fromWinstonOptions('T', given, (m) => warnings.push(m)), warnings };
}

function log4js(given: Conf) {
  const warnings: string[] = [];
  const config = { type: 'x', ...given };
  checkLog4jsConfig('A', config, fileWriterSpec, (m) => warnings.push(m));
  return { ...fromLog4jsConfig(config, 'A', (m) => warnings.push(m)), warnings };
}

describe('which source a config reads as', () => {
  for (const [given, expected] of [
    [{ filename: 'a.log' }, 'a.log'],
    [{ filename: 'a.log', maxsize: 10 }, 'a.log'],
    [{ filename: 'a.log', datePattern: 'YYYY' }, 'a.log.%DATE%'],
    [{ filename: 'a-%DATE%.log' }, 'a-%DATE%.log'],
    [{ filename: 'a.log', maxFiles: '14d' }, 'a.log.%DATE%'],
    [{ filename: 'a.log', utc: true }, 'a.log.%DATE%'],
    [{ filename: 'a.log', like: 'DailyRotateFile' }, 'a.log.%DATE%'],
    [{ filename: 'a.log', like: 'DailyRotateFile', maxSize: '1k' }, 'a.log.%DATE%'],
  ] as const) {
    it(`winston ${JSON.stringify(given)} writes ${expected}`, () => {
      expect(winston(given).writer.filename).toBe(expected);
    });
  }

  for (const [given, datePattern] of [
    [{ filename: 'a.log' }, undefined],
    [{ filename: 'a.log', pattern: 'yyyy' }, 'yyyy'],
    [{ filename: 'a.log', numBackups: 3 }, 'yyyy-MM-dd'],
    [{ filename: 'a.log', like: 'dateFile' }, 'yyyy-MM-dd'],
    [{ filename: 'a.log', like: 'fileSync' }, undefined],
  ] as const) {
    it(`log4js ${JSON.stringify(given)} rotates by ${datePattern ?? 'nothing'}`, () => {
      expect(log4js(given).writer.datePattern).toBe(datePattern);
    });
  }

  it('refuses a "like" that is no source, listing the ones there are', () => {
    const err = optionError(() => log4js({ filename: 'a.log', like: 'date' }));
    expect(err.message).toBe(
      'A: option "like" expects one of "file", "dateFile", "fileSync", got "date"',
    );
  });
});

describe('unknown options: "did you mean"', () => {
  it('maxSize on a winston File config: maxsize, and how to read it as winston-daily-rotate-file', () => {
    const err = optionError(() => winston({ filename: 'a.log', maxSize: 1000 }));
    expect(err.option).toBe('maxSize');
    expect(err.message).toBe(
      'T: unknown option "maxSize" (did you mean "maxsize"?; "maxSize" is a winston-daily-rotate-file (5.x) option: set like: "DailyRotateFile" to read the config as one)',
    );
  });

  it('maxsize on a winston-daily-rotate-file config: maxSize', () => {
    const err = optionError(() => winston({ filename: 'a-%DATE%.log', maxsize: 1000 }));
    expect(err.message).toMatch(
      /^T: unknown option "maxsize" \(did you mean "maxSize"\?; "maxsize" is a winston File/,
    );
  });

  for (const [given, near] of [
    [{ filename: 'a.log', maxLogsize: 10 }, 'maxLogSize'],
    [{ filename: 'a.log', backup: 1 }, 'backups'],
    [{ filename: 'a.log', keepFileExtension: true }, undefined],
  ] as const) {
    it(`log4js ${Object.keys(given)[1]}: ${near ?? 'the known options'}`, () => {
      const err = optionError(() => log4js(given));
      expect(err.message).toMatch(near ? `(did you mean "${near}"?)` : '(known options: ');
    });
  }
});

describe('an option the original accepts but does nothing with: one warning, both frameworks alike', () => {
  for (const [name, run, given, option] of [
    ['winston maxFiles without maxsize', winston, { filename: 'a.log', maxFiles: 3 }, 'maxFiles'],
    [
      'winston zippedArchive without maxsize',
      winston,
      { filename: 'a.log', zippedArchive: true },
      'zippedArchive',
    ],
    ['log4js backups without maxLogSize', log4js, { filename: 'a.log', backups: 3 }, 'backups'],
    [
      'log4js compress without maxLogSize',
      log4js,
      { filename: 'a.log', compress: true },
      'compress',
    ],
    [
      'log4js backups on dateFile',
      log4js,
      { filename: 'a.log', like: 'dateFile', backups: 3 },
      'backups',
    ],
    [
      'DRF symlinkName without createSymlink',
      winston,
      { filename: 'a-%DATE%.log', symlinkName: 'x' },
      'symlinkName',
    ],
    ['winston 2 timestamp', winston, { filename: 'a.log', timestamp: true }, 'timestamp'],
    ['log4js 1 category', log4js, { filename: 'a.log', category: 'app' }, 'category'],
  ] as const) {
    it(name, () => {
      const { writer, warnings } = run(given as Conf);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(new RegExp(`^[TA]: option "${option}" is ignored: .+`));
      expect(writer.maxBytes).toBeUndefined();
      // dateFile's own numBackups (default 1) sets backups; the ignored "backups" does not.
      expect(writer[option]).toBe('like' in given ? 1 : undefined);
    });
  }

  it('the default warning goes out once per process, however many loggers are built', () => {
    const seen: string[] = [];
    const listener = (w: Error) => seen.push(w.message);
    process.on('warning', listener);
    return new Promise<void>((resolve) => {
      for (let i = 0; i < 3; i++) {
        checkWinstonOptions(
          'Once',
          { filename: 'a.log', json: true },
          fileWriterSpec,
          warnOptionOnce,
        );
      }
      // process.emitWarning delivers on the next tick.
      setImmediate(() => {
        process.off('warning', listener);
        expect(seen.filter((m) => m.startsWith('Once: option "json"'))).toHaveLength(1);
        resolve();
      });
    });
  });
});

describe('filenames as the originals read them', () => {
  it('log4js file and fileSync: a leading "~/" is the home directory (defect 5)', () => {
    for (const like of ['file', 'fileSync']) {
      expect(log4js({ filename: '~/logs/a.log', like }).writer.filename).toBe(
        path.join(os.homedir(), 'logs/a.log'),
      );
    }
  });

  it('log4js: "~" alone or "~name" is a file name; dateFile does not expand "~/" (dateFile.js)', () => {
    expect(log4js({ filename: '~a.log' }).writer.filename).toBe('~a.log');
    expect(log4js({ filename: '~/a.log', like: 'dateFile' }).writer.filename).toBe('~/a.log');
  });

  for (const [name, run] of [
    ['winston File', () => winston({ filename: '' })],
    ['winston-daily-rotate-file', () => winston({ filename: '', like: 'DailyRotateFile' })],
    ['log4js file', () => log4js({ filename: '' })],
    ['log4js dateFile', () => log4js({ filename: '', like: 'dateFile' })],
    ['log4js fileSync', () => log4js({ filename: '', like: 'fileSync' })],
  ] as const) {
    it(`${name}: filename "" is refused as empty (defect 6)`, () => {
      const err = optionError(run);
      expect(err.option).toBe('filename');
      expect(err.message).toMatch(/^[TA]: filename is empty \(option "filename"\)$/);
    });
  }

  it('log4js: a filename ending in a separator names a directory', () => {
    expect(optionError(() => log4js({ filename: '/logs/' })).message).toBe(
      'A: option "filename" names a directory: /logs/',
    );
  });
});

describe('winston-daily-rotate-file values', () => {
  for (const [maxSize, bytes] of [
    ['1k', 1024],
    ['20m', 20 * 1024 ** 2],
    ['1G', 1024 ** 3],
    ['0.5m', 512 * 1024],
    [1500, 1024],
    [100, 1024],
    [4096, 4096],
  ] as const) {
    it(`maxSize ${JSON.stringify(maxSize)} is ${bytes} bytes, as file-stream-rotator reads it`, () => {
      expect(winston({ filename: 'a-%DATE%.log', maxSize }).writer.maxBytes).toBe(bytes);
    });
  }

  for (const bad of [
    { maxSize: '20MB' },
    { maxSize: 0 },
    { frequency: '0m' },
    { frequency: '61m' },
    { frequency: '25h' },
    { frequency: 'weekly' },
    { maxFiles: '2w' },
    { maxFiles: 0 },
  ]) {
    it(`refuses ${JSON.stringify(bad)}, saying what it takes`, () => {
      const option = Object.keys(bad)[0] as string;
      const err = optionError(() => winston({ filename: 'a-%DATE%.log', ...bad }));
      expect(err.option).toBe(option);
      expect(err.message).toMatch(new RegExp(`^T: option "${option}" expects .+, got `));
    });
  }

  it('maxFiles as a count keeps that many files, the active one counted', () => {
    expect(winston({ filename: 'a-%DATE%.log', maxFiles: 5 }).writer.backups).toBe(4);
    expect(winston({ filename: 'a-%DATE%.log', maxFiles: '5' }).writer.backups).toBe(4);
  });

  it('frequency "daily" or "custom" leaves the period to the pattern', () => {
    expect(
      winston({ filename: 'a-%DATE%.log', frequency: 'daily' }).writer.periodMs,
    ).toBeUndefined();
    expect(winston({ filename: 'a-%DATE%.log', frequency: '3h' }).writer.periodMs).toBe(
      3 * 3_600_000,
    );
  });
});

describe('a config from the winston-daily-rotate-file README', () => {
  it('compiles as the transport options type and maps onto the writer', () => {
    const config: WinstonFileOptions & { filename: string } = {
      filename: 'application-%DATE%.log',
      datePattern: 'YYYY-MM-DD-HH',
      zippedArchive: true,
      maxSize: '20m',
      maxFiles: '14d',
    };
    expect(winston(config as unknown as Conf).writer).toEqual({
      filename: 'application-%DATE%.log',
      datePattern: 'YYYY-MM-DD-HH',
      maxBytes: 20 * 1024 ** 2,
      rotationNaming: 'daily-rotate',
      dateDialect: 'moment',
      maxAgeMs: 14 * 86_400_000,
      compress: true,
    });
  });
});
