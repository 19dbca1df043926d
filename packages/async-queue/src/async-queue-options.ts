import type { AppendFileOptions } from '@fanin/append-file';
import {
  checkOptions,
  FaninOptionError,
  fileWriterSpec,
  type OptionSpec,
  parseSize,
  type WhenFull,
} from '@fanin/core';
import { type LockedFileOptions, lockedFileSpec } from '@fanin/locked-file';

/** Options of the async-queue writer: the file writer's (append or locked) plus the queue's. */
export interface AsyncQueueOptions extends AppendFileOptions, Omit<LockedFileOptions, 'lock'> {
  /** The writer the background thread drains into. @default 'append' */
  writer?: 'append' | 'locked';
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

/** The queue's own options, beside the file writer's and the lock's. */
export const asyncQueueSpec: OptionSpec = {
  ...lockedFileSpec,
  lock: { kind: 'enum', values: ['proper-lockfile'] },
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
  if (o.writer !== 'locked') for (const k of Object.keys(lockedFileSpec)) delete out[k];
  if (o.formatNotice === null) out.formatNotice = null;
  return out;
}
