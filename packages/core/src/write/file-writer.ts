import { errnoCode, FaninError, FaninOptionError } from '../contract/errors.js';
import type { FileEventListener } from '../contract/file-events.js';
import { checkOptions, type OptionSpec, parseSize } from '../contract/options.js';
import type { ExclusiveLock } from '../rotation/rotation-lock.js';
import { type RotationWriterOptions, rotationFromOptions } from '../rotation/rotation-options.js';
import { type FileDriver, nodeFileDriver } from '../system/file-driver.js';
import { pipePath } from '../system/pipe-path.js';
import { BatchWriter } from './batch-writer.js';
import type { BatchWriterOptions } from './batch-writer-options.js';
import { FileTarget } from './file-target.js';
import type { FileTargetOptions } from './file-target-options.js';
import type { Sink } from './sink.js';

/** Options of {@link createFileWriter}: where to write, and how to batch and recover. */
export interface FileWriterOptions
  extends BatchWriterOptions,
    Omit<FileTargetOptions, 'driver' | 'rotation'>,
    RotationWriterOptions {
  /** Open at the first write instead of now (winston's `lazy`). @default false */
  lazy?: boolean;
  /** The file-system edge; tests pass an in-memory or fault driver. @default nodeFileDriver */
  driver?: FileDriver;
  /** Told of each open, rotation, archive, removal and close this writer did (see FileEvent). */
  onFileEvent?: FileEventListener;
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
  onFileEvent: { kind: 'function' },
  retryMinMs: { kind: 'int', min: 1 },
  retryMaxMs: { kind: 'int', min: 1 },
  noticeIntervalMs: { kind: 'int', min: 0 },
  reportIntervalMs: { kind: 'int', min: 0 },
  flushIntervalMs: { kind: 'int', min: 0, max: 60_000 },
  minWriteIntervalMs: { kind: 'int', min: 0, max: 1000 },
  formatNotice: {
    kind: 'custom',
    expected: 'a function or null',
    check: (v) => v === null || typeof v === 'function',
  },
  exitHook: { kind: 'boolean' },
  maxBytes: { kind: 'size' },
  backups: { kind: 'int', min: 0 },
  compress: { kind: 'boolean' },
  rotationNaming: {
    kind: 'enum',
    values: ['log4js', 'winston-tailable', 'winston', 'log4js-date', 'daily-rotate'],
  },
  keepFileExt: { kind: 'boolean' },
  fileNameSep: { kind: 'string' },
  lockStaleMs: { kind: 'int', min: 1 },
  lockWaitMs: { kind: 'int', min: 0 },
  datePattern: { kind: 'string' },
  dateInName: { kind: 'boolean' },
  maxAgeMs: { kind: 'int', min: 1 },
  dateDialect: { kind: 'enum', values: ['date-format', 'moment'] },
  utc: { kind: 'boolean' },
  periodMs: { kind: 'int', min: 60_000 },
  extension: { kind: 'string' },
  symlinkName: { kind: 'string' },
  auditFile: { kind: 'string' },
  auditHashType: { kind: 'enum', values: ['md5', 'sha256'] },
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
/** How a transport package changes the file writer: its own sink around the file, its own lock. */
export interface FileWriterHooks {
  /** Wraps the file target (e.g. to write under a lock). */
  wrapSink?: (target: FileTarget) => Sink;
  /** The lock rotations run under. @default a RotationLock file beside the log */
  rotationLock?: (filename: string) => ExclusiveLock;
}

export function createFileWriter(
  options: FileWriterOptions,
  where = 'createFileWriter',
  extra: OptionSpec = {},
  hooks: FileWriterHooks = {},
): BatchWriter {
  checkOptions(where, options, { ...fileWriterSpec, ...extra });
  const o: FileWriterOptions = { ...options };
  for (const k of sizeOptions) if (o[k] !== undefined) o[k] = parseSize(k, o[k]);
  if ((o.filename === undefined) === (o.fd === undefined)) {
    throw new FaninOptionError('filename', `${where}: give exactly one of "filename" or "fd"`);
  }
  const std = o.filename === '/dev/stdout' ? 1 : o.filename === '/dev/stderr' ? 2 : undefined;
  // A pipe or FIFO given as a descriptor is opened again by path, non-blocking (pipe-path.ts).
  const pipe = pipePath(o.driver ?? nodeFileDriver, std ?? o.fd ?? -1);
  const policies = rotationFromOptions(o, where, hooks.rotationLock);
  const target = new FileTarget({
    ...o,
    ...policies,
    // /dev/stdout reopened through /proc would not share the shell's offset on a redirected file
    // and fails with ENXIO on a socket (systemd): write to the inherited descriptor instead.
    ...(std === undefined ? {} : { filename: undefined, fd: std }),
    ...(pipe === undefined ? {} : { filename: pipe, fd: undefined }),
    onWarning: o.onWarning ?? ((m) => process.emitWarning(m, { code: 'FANIN_NETWORK_FS' })),
  });
  if (!o.lazy && target.filename !== undefined) openOrThrow(target, where);
  // A file can overshoot maxBytes by the batches other processes write at the same moment:
  // keep batches at a sixteenth of the limit (at least 4 KiB) unless batchBytes was given.
  const limit = policies.rotation?.maxBytes ?? policies.timeRotation?.maxBytes;
  if (limit !== undefined && o.batchBytes === undefined) {
    o.batchBytes = Math.min(65536, Math.max(4096, Math.floor(limit / 16)));
  }
  return new BatchWriter(hooks.wrapSink ? hooks.wrapSink(target) : target, o);
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
