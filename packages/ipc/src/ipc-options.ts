import * as path from 'node:path';
import type { AppendFileOptions } from '@fanin/append-file';
import {
  checkOptions,
  FaninOptionError,
  fileWriterSpec,
  type OptionSpec,
  parseSize,
} from '@fanin/core';

/** How records reach the writer process. */
export type Via = 'cluster' | 'parent' | { socket: string };

/**
 * Options of the IPC writer: every append-file option (used by the process that writes the
 * file, and by any process that must write for itself), plus how to reach the writer.
 */
export interface IpcOptions extends AppendFileOptions {
  /**
   * `'cluster'`: the cluster primary writes, workers forward over the cluster channel.
   * `'parent'`: a `child_process.fork` child forwards to its parent, which calls `attach(child)`.
   * `{ socket }`: the first process to bind this Unix socket path writes; the others connect;
   * when the writer dies, one of them takes over.
   * Worker threads always forward to their own process's main thread.
   */
  via: Via;
  /** Records sent and not yet acknowledged, at most (UTF-16 units). @default 131072 */
  windowBytes?: number | string;
  /** How long a forwarder waits for a writer to answer before it writes for itself. @default 3000 */
  connectTimeoutMs?: number;
  /** At exit, how long to wait for the writer to acknowledge what is in flight. @default 2000 */
  exitTimeoutMs?: number;
  /** The largest frame a writer accepts from a peer; a larger one closes that connection. @default 16 MiB */
  maxFrameBytes?: number | string;
  /**
   * In the writer process of `'cluster'` and `'parent'`: offer the workers (children) a private
   * Unix socket (a new directory under `os.tmpdir()`, mode 0700, and a key in the welcome) to
   * send their batches over in fanin's binary frames instead of Node's serialized channel
   * messages. Their channel still carries the hello, welcome and goodbye. Where the socket
   * cannot be made, workers use the channel. @default true
   */
  privateSocket?: boolean;
}

const viaRule = {
  kind: 'custom',
  expected: '"cluster", "parent" or { socket: "<path>" }',
  check: (v: unknown) =>
    v === 'cluster' ||
    v === 'parent' ||
    (typeof v === 'object' &&
      v !== null &&
      Object.keys(v).length === 1 &&
      typeof (v as { socket?: unknown }).socket === 'string' &&
      (v as { socket: string }).socket.length > 0),
} as const;

/** The IPC writer's own options, beside the file writer's. */
export const ipcSpec: OptionSpec = {
  via: viaRule,
  windowBytes: { kind: 'size' },
  connectTimeoutMs: { kind: 'int', min: 0 },
  exitTimeoutMs: { kind: 'int', min: 0 },
  maxFrameBytes: { kind: 'size' },
  privateSocket: { kind: 'boolean' },
  fd: {
    kind: 'unsupported',
    why: 'the writer is another process, which cannot use this process\'s descriptor; give "filename"',
  },
  driver: {
    kind: 'unsupported',
    why: 'the file may be written by another process, which a driver object cannot reach',
  },
};

/** Normalized options: sizes in numbers, paths absolute. */
export interface IpcSettings {
  via: Via;
  file: string;
  windowChars: number;
  connectTimeoutMs: number;
  exitTimeoutMs: number;
  maxFrameBytes: number;
  maxBufferChars: number;
  /** What the file writer (here or in the writer process) gets. */
  fileOptions: AppendFileOptions;
}

// The longest path bind(2) takes: sun_path is 108 bytes with its terminating NUL (unix(7)).
const SUN_PATH_MAX = 107;
const IPC_ONLY = [
  'via',
  'windowBytes',
  'connectTimeoutMs',
  'exitTimeoutMs',
  'maxFrameBytes',
  'privateSocket',
];

/** Checks every option (throwing FaninOptionError naming it) and normalizes them. */
export function ipcSettings(o: IpcOptions, where: string): IpcSettings {
  checkOptions(where, o, { ...fileWriterSpec, ...ipcSpec });
  if (o.via === undefined) {
    throw new FaninOptionError('via', `${where}: option "via" is required (${viaRule.expected})`);
  }
  if (typeof o.filename !== 'string') {
    throw new FaninOptionError('filename', `${where}: option "filename" is required`);
  }
  let via = o.via;
  if (typeof via === 'object') {
    const socket = path.resolve(via.socket);
    if (Buffer.byteLength(socket) > SUN_PATH_MAX) {
      throw new FaninOptionError(
        'via',
        `${where}: socket path ${socket} is longer than ${SUN_PATH_MAX} bytes, the limit of a Unix socket address`,
      );
    }
    via = { socket };
  }
  const fileOptions: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (!IPC_ONLY.includes(k)) fileOptions[k] = v;
  const maxFrameBytes = parseSize('maxFrameBytes', o.maxFrameBytes ?? 16 * 1024 * 1024);
  return {
    via,
    file: path.resolve(o.filename),
    windowChars: parseSize('windowBytes', o.windowBytes ?? 128 * 1024),
    connectTimeoutMs: o.connectTimeoutMs ?? 3000,
    exitTimeoutMs: o.exitTimeoutMs ?? 2000,
    maxFrameBytes,
    maxBufferChars: parseSize('maxBufferBytes', o.maxBufferBytes ?? 16 * 1024 * 1024),
    fileOptions: fileOptions as AppendFileOptions,
  };
}

/** `via` in words, for messages. */
export function describeVia(via: Via): string {
  return typeof via === 'object' ? `socket ${via.socket}` : `the ${via} channel`;
}
