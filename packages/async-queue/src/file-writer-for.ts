import { createRequire } from 'node:module';
import { type BatchWriter, createFileWriter, type FaninError, FaninOptionError } from '@fanin/core';

const load = createRequire(import.meta.url);

type LockedFactory = (options: Record<string, unknown>, where?: string) => BatchWriter;

/**
 * The file writer behind the queue, on either thread: core's O_APPEND writer for
 * `writer: 'append'`; for `'locked'`, @fanin/locked-file's, loaded only then (an optional peer
 * dependency: an application that never asks for the lock never loads it, nor proper-lockfile).
 * `options` are the worker options (no functions but `onError`); no exit hook of its own.
 */
export function fileWriterFor(
  writer: 'append' | 'locked',
  options: Record<string, unknown>,
  onError: (e: FaninError) => void,
  where: string,
): BatchWriter {
  const o = { ...options, exitHook: false, onError };
  if (writer !== 'locked') return createFileWriter(o, where);
  return lockedFactory(where)(o, where);
}

/** `createLockedFileWriter` of @fanin/locked-file; a clear error naming it when it is missing. */
export function lockedFactory(where: string): LockedFactory {
  try {
    return (load('@fanin/locked-file') as { createLockedFileWriter: LockedFactory })
      .createLockedFileWriter;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw err;
    throw new FaninOptionError(
      'writer',
      `${where}: writer "locked" needs the package @fanin/locked-file; install it (npm install @fanin/locked-file)`,
    );
  }
}
