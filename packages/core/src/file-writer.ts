import { BatchWriter, type BatchWriterOptions } from './batch-writer.js';
import { errnoCode, FaninError, FaninOptionError } from './errors.js';
import type { FileDriver } from './file-driver.js';
import { FileTarget, type FileTargetOptions } from './file-target.js';
import { checkOptions, type OptionSpec, parseSize } from './options.js';

/** Options of {@link createFileWriter}: where to write, and how to batch and recover. */
export interface FileWriterOptions extends BatchWriterOptions, Omit<FileTargetOptions, 'driver'> {
  /** Open at the first write instead of now (winston's `lazy`). @default false */
  lazy?: boolean;
  /** The file-system edge; tests pass an in-memory or fault driver. @default nodeFileDriver */
  driver?: FileDriver;
}

const whenFullRule = {
  kind: 'custom',
  expected: '"drop", "block" or { blockMs: <integer >= 0> }',
  check: (v: unknown) =>
    v === 'drop' ||
    v === 'block' ||
    (typeof v === 'object' &&
      v !== null &&
      Object.keys(v).length === 1 &&
      Number.isInteger((v as { blockMs?: unknown }).blockMs) &&
      ((v as { blockMs: number }).blockMs ?? -1) >= 0),
} as const;

/** The options every file writer understands, in fanin's own (camelCase, unit-suffixed) names. */
export const fileWriterSpec: OptionSpec = {
  filename: { kind: 'string' },
  fd: { kind: 'int', min: 0 },
  mode: { kind: 'int', min: 0, max: 0o7777 },
  mkdir: { kind: 'boolean' },
  lazy: { kind: 'boolean' },
  reopenCheckMs: { kind: 'int', min: 0 },
  chunkBytes: { kind: 'int', min: 256, max: 65536 },
  eagainTimeoutMs: { kind: 'int', min: 0 },
  driver: { kind: 'object' },
  onWarning: { kind: 'function' },
  batchBytes: { kind: 'size' },
  maxBufferBytes: { kind: 'size' },
  maxRecordBytes: { kind: 'size' },
  whenFull: whenFullRule,
  onError: { kind: 'function' },
  retryMinMs: { kind: 'int', min: 1 },
  retryMaxMs: { kind: 'int', min: 1 },
  noticeIntervalMs: { kind: 'int', min: 0 },
  formatNotice: {
    kind: 'custom',
    expected: 'a function or null',
    check: (v) => v === null || typeof v === 'function',
  },
  exitHook: { kind: 'boolean' },
};

const sizeOptions = ['batchBytes', 'maxBufferBytes', 'maxRecordBytes'] as const;

/**
 * Checks `options` against {@link fileWriterSpec} (plus `extra`), then builds the writer:
 * a {@link FileTarget} for `filename` or `fd` under a {@link BatchWriter}. Opens the file now
 * unless `lazy`, so a bad path fails here with a clear error rather than at the first record.
 *
 * @example
 * const writer = createFileWriter({ filename: 'logs/app.log' }, 'createAppendFileWriter');
 */
export function createFileWriter(
  options: FileWriterOptions,
  where = 'createFileWriter',
  extra: OptionSpec = {},
): BatchWriter {
  checkOptions(where, options, { ...fileWriterSpec, ...extra });
  const o: FileWriterOptions = { ...options };
  for (const k of sizeOptions) if (o[k] !== undefined) o[k] = parseSize(k, o[k]);
  if ((o.filename === undefined) === (o.fd === undefined)) {
    throw new FaninOptionError('filename', `${where}: give exactly one of "filename" or "fd"`);
  }
  const std = o.filename === '/dev/stdout' ? 1 : o.filename === '/dev/stderr' ? 2 : undefined;
  const target = new FileTarget({
    ...o,
    // /dev/stdout reopened through /proc would not share the shell's offset on a redirected file
    // and fails with ENXIO on a socket (systemd): write to the inherited descriptor instead.
    ...(std === undefined ? {} : { filename: undefined, fd: std }),
    onWarning: o.onWarning ?? ((m) => process.emitWarning(m, { code: 'FANIN_NETWORK_FS' })),
  });
  if (!o.lazy && target.filename !== undefined) openOrThrow(target, where);
  return new BatchWriter(target, o);
}

function openOrThrow(target: FileTarget, where: string): void {
  try {
    target.open();
  } catch (err) {
    throw new FaninError(
      'ERR_FANIN_OPEN',
      `${where}: cannot open log file ${target.filename} (${errnoCode(err)}): ${(err as Error).message}`,
      { cause: err },
    );
  }
}
