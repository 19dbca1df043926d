import {
  FaninOptionError,
  type FileWriterOptions,
  type OptionSpec,
  type WhenFull,
} from '@fanin/core';
import { checkOptions, fileWriterSpec, parseSize } from '@fanin/core/internal';
import { lockedFactory } from './file-writer-for.js';

/** Options of the async-queue writer: the file writer's (append or locked) plus the queue's. */
export interface AsyncQueueOptions extends FileWriterOptions {
  /**
   * The writer the background thread drains into: core's O_APPEND writer, or @fanin/locked-file's
   * (install that package to use it). @default 'append'
   */
  writer?: 'append' | 'locked';
  /** With `writer: 'locked'`: the lock's engine (see @fanin/locked-file). */
  lock?: 'proper-lockfile';
  /** With `writer: 'locked'`: retry a busy lock after this long (see @fanin/locked-file). @default 1 */
  lockRetryMs?: number;
  /** With `writer: 'locked'`: a synchronous flush waits this long for the lock (see @fanin/locked-file). @default 1000 */
  lockTimeoutMs?: number;
  /** Size of the shared ring; memory never grows past it. "8M" accepted. @default 8 MiB */
  capacityBytes?: number | string;
  /** Per level (case-insensitive), what to do when the ring is full; overrides `whenFull`. */
  whenFullByLevel?: Record<string, WhenFull>;
  /**
   * At `process.exit` (and for records too large for the ring) how long to wait for the writer
   * thread to empty the ring before this thread writes the rest itself. @default 2000
   */
  exitTimeoutMs?: number;
}

const whenFull = fileWriterSpec.whenFull as { kind: 'custom'; check: (v: unknown) => boolean };

// @fanin/locked-file's own options, named here so that checking them does not load it (it
// checks them again, fully, when `writer: 'locked'` loads it).
const LOCK_OPTIONS = ['lock', 'lockRetryMs', 'lockTimeoutMs'];

/** The queue's own options, beside the file writer's and the lock's. */
export const asyncQueueSpec: OptionSpec = {
  lock: { kind: 'enum', values: ['proper-lockfile'] },
  lockRetryMs: { kind: 'int', min: 1 },
  lockTimeoutMs: { kind: 'int', min: 0 },
  writer: { kind: 'enum', values: ['append', 'locked'] },
  capacityBytes: { kind: 'size' },
  whenFullByLevel: {
    kind: 'custom',
    expected: 'an object of level to "drop", "block" or { blockMs }',
    check: (v) =>
      typeof v === 'object' && v !== null && Object.values(v).every((p) => whenFull.check(p)),
  },
  exitTimeoutMs: { kind: 'int', min: 0 },
  driver: {
    kind: 'unsupported',
    why: 'the file is written by a worker thread, which a driver object cannot reach',
  },
  fd: { kind: 'int', min: 0 },
};

/** Checks every option and normalizes sizes in place; throws FaninOptionError naming the option. */
export function checkAsyncOptions(o: AsyncQueueOptions, where: string): void {
  checkOptions(where, o, { ...fileWriterSpec, ...asyncQueueSpec });
  o.capacityBytes = parseSize('capacityBytes', o.capacityBytes ?? 8 * 1024 * 1024);
  if (o.capacityBytes > 2 ** 30) {
    throw new FaninOptionError(
      'capacityBytes',
      `${where}: option "capacityBytes" must be at most 1 GiB`,
    );
  }
  if (o.capacityBytes < 4096) {
    throw new FaninOptionError(
      'capacityBytes',
      `${where}: option "capacityBytes" must be at least 4096`,
    );
  }
  if (o.writer === 'locked' && o.fd !== undefined) {
    throw new FaninOptionError('fd', `${where}: writer "locked" needs a "filename"`);
  }
  // Now, on the calling thread: a missing @fanin/locked-file is an error the caller sees.
  if (o.writer === 'locked') lockedFactory(where);
}

const QUEUE_ONLY = [
  'writer',
  'capacityBytes',
  'whenFull',
  'whenFullByLevel',
  'exitTimeoutMs',
  'exitHook',
];

/** The options the file writer gets: no functions (they cannot cross to the worker thread). */
export function workerOptionsOf(o: AsyncQueueOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (QUEUE_ONLY.includes(k) || typeof v === 'function' || v === undefined) continue;
    out[k] = v;
  }
  if (o.writer !== 'locked') for (const k of LOCK_OPTIONS) delete out[k];
  if (o.formatNotice === null) out.formatNotice = null;
  return out;
}
