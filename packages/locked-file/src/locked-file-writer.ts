import * as path from 'node:path';
import {
  type BatchWriter,
  createFileWriter,
  FaninOptionError,
  type FileWriterOptions,
  type OptionSpec,
} from '@fanin/core';
import { FileLock } from './file-lock.js';
import { LockedSink } from './locked-sink.js';

/** Options of the locked-file writer: the shared file-writer options plus the lock's. */
export interface LockedFileOptions extends FileWriterOptions {
  /** Engine of the lock. Only proper-lockfile (mkdir-based, works on NFS) for now. @default 'proper-lockfile' */
  lock?: 'proper-lockfile';
  /** A lock its holder stopped refreshing this long ago (killed) is taken over. @default 10000 */
  lockStaleMs?: number;
  /** When the lock is busy, try again after this long; records queue meanwhile. @default 1 */
  lockRetryMs?: number;
  /**
   * How long a synchronous flush (`process.exit`, `whenFull: 'block'`) waits for the lock before
   * it writes without it (counted in `stats().lock.exitBypasses`). @default 1000
   */
  lockTimeoutMs?: number;
}

export const lockedFileSpec: OptionSpec = {
  lock: { kind: 'enum', values: ['proper-lockfile'] },
  lockRetryMs: { kind: 'int', min: 1 },
  lockTimeoutMs: { kind: 'int', min: 0 },
  fd: { kind: 'unsupported', why: 'a lock needs a file path; pass "filename"' },
};

/**
 * The framework-free locked-file writer: records queue in memory (bounded by `maxBufferBytes`,
 * `whenFull` policy) and each lock acquisition writes everything queued so far, whole, so the
 * cost of the lock is shared by many records. Rotation runs under the same lock.
 *
 * @example
 * const writer = createLockedFileWriter({ filename: '/mnt/nfs/app.log', lockStaleMs: 10000 });
 * writer.write('{"msg":"hello"}\n');
 * await writer.close();
 */
export function createLockedFileWriter(
  options: LockedFileOptions,
  where = 'createLockedFileWriter',
): BatchWriter {
  if (typeof options?.filename === 'string' && /^\/dev\/std(out|err)$/.test(options.filename)) {
    throw new FaninOptionError(
      'filename',
      `${where}: a lock needs a regular file; "${options.filename}" is a stream (use @fanin/append-file)`,
    );
  }
  let fileLock: FileLock | undefined;
  const lockFor = (filename: string) => {
    fileLock ??= new FileLock(path.resolve(filename), {
      staleMs: options.lockStaleMs ?? 10_000,
      waitMs: options.lockWaitMs ?? 1000,
    });
    return fileLock;
  };
  // Contention for the lock, not a failing disk, is what fills this buffer: wait for the lock
  // (bounded by lockTimeoutMs) rather than drop, unless the user chose otherwise.
  // Each drain pays one lock (about 150 µs with proper-lockfile here): drain every 10 ms rather
  // than every event-loop turn, so that one lock covers more records,
  const withDefaults =
    options && typeof options === 'object'
      ? {
          ...options,
          whenFull: options.whenFull ?? ('block' as const),
          flushIntervalMs: options.flushIntervalMs ?? 10,
          // and write up to 1 MiB per lock (not 64 KiB) when no size limit bounds the batch.
          batchBytes:
            options.batchBytes ?? (options.maxBytes === undefined ? 1024 * 1024 : undefined),
        }
      : options;
  // createFileWriter checks every option (these three included) before a hook runs.
  return createFileWriter(withDefaults, where, lockedFileSpec, {
    rotationLock: lockFor,
    wrapSink: (target) =>
      new LockedSink(
        target,
        lockFor(target.filename as string),
        options.lockRetryMs ?? 1,
        options.lockTimeoutMs ?? 1000,
      ),
  });
}
