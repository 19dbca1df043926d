import * as path from 'node:path';
import {
  type FaninError,
  FaninOptionError,
  type FileWriterOptions,
  type OptionSpec,
} from '@fanin/core';
import { checkOptions, fileWriterSpec, parseSize } from '@fanin/core/internal';
import {
  destinationOf,
  destinationRule,
  type IpcDestination,
  type IpcDestinationFactory,
} from './destination.js';

/** How records reach the writer process. */
export type Via = 'cluster' | 'parent' | 'pm2' | { socket: string };

/**
 * Options of the IPC writer: every file-writer option of `@fanin/core` (the append-file
 * options; used by the process that writes the file, and by any process that must write for
 * itself), plus how to reach the writer.
 */
export interface IpcOptions extends FileWriterOptions {
  /**
   * `'cluster'`: the cluster primary writes, workers forward over the cluster channel.
   * `'parent'`: a `child_process.fork` child forwards to its parent, which calls `attach(child)`.
   * `{ socket }`: the first process to bind this Unix socket path writes; the others connect;
   * when the writer dies, one of them takes over.
   * `'pm2'`: the instances of one pm2 app (cluster or fork mode) elect their writer on a socket
   * of their own (`<os.tmpdir()>/fanin-pm2-<uid>/`, 0700); refused outside pm2.
   * Worker threads always forward to their own process's main thread.
   */
  via: Via;
  /**
   * Where the writer process sends the records instead of a file (give this or `filename`): a
   * factory of a core `Writer`, or `{ type: '<package>', ...its options }` — e.g.
   * `{ type: '@fanin/syslog', target: 'relp://logs:2514', appName: 'api' }`, so that one process
   * holds the one RELP session for all. Acknowledgements to peers mean "taken by that writer"
   * (for syslog: in its spool on disk).
   */
  destination?: IpcDestination;
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
  /** The writer accepts at most this many socket connections at once; more are closed. @default 1024 */
  maxPeers?: number;
  /**
   * Bytes of frames not yet whole the writer holds across all its socket peers, at most: past
   * it, the connection holding the most is closed (a peer that stalled inside a frame, or a
   * hostile one). At least `maxFrameBytes`. @default 64 MiB, or 2 × maxFrameBytes if larger
   */
  maxPeerBufferBytes?: number | string;
  /**
   * A socket peer that stops sending inside a frame (or before its HELLO) for this long is
   * closed. @default 10000
   */
  frameTimeoutMs?: number;
}

const viaRule = {
  kind: 'custom',
  expected: '"cluster", "parent", "pm2" or { socket: "<path>" }',
  check: (v: unknown) =>
    v === 'cluster' ||
    v === 'parent' ||
    v === 'pm2' ||
    (typeof v === 'object' &&
      v !== null &&
      Object.keys(v).length === 1 &&
      typeof (v as { socket?: unknown }).socket === 'string' &&
      (v as { socket: string }).socket.length > 0),
} as const;

/** The IPC writer's own options, beside the file writer's. */
export const ipcSpec: OptionSpec = {
  via: viaRule,
  destination: destinationRule,
  windowBytes: { kind: 'size' },
  connectTimeoutMs: { kind: 'int', min: 0 },
  exitTimeoutMs: { kind: 'int', min: 0 },
  maxFrameBytes: { kind: 'size' },
  privateSocket: { kind: 'boolean' },
  maxPeers: { kind: 'int', min: 1 },
  maxPeerBufferBytes: { kind: 'size' },
  frameTimeoutMs: { kind: 'int', min: 1 },
  fd: {
    kind: 'unsupported',
    why: 'the writer is another process, which cannot use this process\'s descriptor; give "filename"',
  },
  driver: {
    kind: 'unsupported',
    why: 'the file may be written by another process, which a driver object cannot reach',
  },
};

/** Limits of a forwarder, from the options. */
export interface ForwarderLimits {
  maxBufferChars: number;
  windowChars: number;
  batchChars: number;
  connectTimeoutMs: number;
  /** How long a full buffer waits for what is in flight before writing here (exitTimeoutMs). */
  ackWaitMs: number;
  /** The caller would rather write for itself than drop (`whenFull` is not `'drop'`). */
  spills: boolean;
  /**
   * At exit, send what is pending and wait for it (within the exit deadline) rather than write
   * it here: with a destination, writing here means a writer (a session) of this process's own.
   */
  sendAtExit: boolean;
}

/** Normalized options: sizes in numbers, paths absolute. */
export interface IpcSettings {
  via: Via;
  /** The log file, or the destination's key: what worker threads and pm2 instances match on. */
  file: string;
  /** Makes the writer the records go to, when it is not a file. */
  destination?: IpcDestinationFactory;
  windowChars: number;
  connectTimeoutMs: number;
  exitTimeoutMs: number;
  maxFrameBytes: number;
  maxBufferChars: number;
  /** What the writer holds for its socket peers, at most. */
  peerLimits: PeerLimits;
  /** What the file writer (here or in the writer process) gets. */
  fileOptions: FileWriterOptions;
}

/** The bounds a writer keeps against its socket peers (a hostile local one included). */
export interface PeerLimits {
  maxPeers: number;
  maxBufferBytes: number;
  frameTimeoutMs: number;
}

// The longest path bind(2) takes: sun_path is 108 bytes with its terminating NUL (unix(7)).
const SUN_PATH_MAX = 107;
const IPC_ONLY = [
  'via',
  'destination',
  'windowBytes',
  'connectTimeoutMs',
  'exitTimeoutMs',
  'maxFrameBytes',
  'privateSocket',
  'maxPeers',
  'maxPeerBufferBytes',
  'frameTimeoutMs',
];

/** Checks every option (throwing FaninOptionError naming it) and normalizes them. */
export function ipcSettings(o: IpcOptions, where: string): IpcSettings {
  checkOptions(where, o, { ...fileWriterSpec, ...ipcSpec });
  if (o.via === undefined) {
    throw new FaninOptionError('via', `${where}: option "via" is required (${viaRule.expected})`);
  }
  const destination =
    o.destination && destinationOf(o as unknown as Record<string, unknown>, where);
  if (!destination && typeof o.filename !== 'string') {
    throw new FaninOptionError(
      'filename',
      `${where}: option "filename" is required (or "destination", a writer to send to instead)`,
    );
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
    file: destination
      ? `destination:${destination.key ?? 'unnamed'}`
      : path.resolve(o.filename as string),
    ...(destination && { destination }),
    windowChars: parseSize('windowBytes', o.windowBytes ?? 128 * 1024),
    connectTimeoutMs: o.connectTimeoutMs ?? 3000,
    exitTimeoutMs: o.exitTimeoutMs ?? 2000,
    maxFrameBytes,
    maxBufferChars: parseSize('maxBufferBytes', o.maxBufferBytes ?? 16 * 1024 * 1024),
    peerLimits: {
      maxPeers: o.maxPeers ?? 1024,
      maxBufferBytes: peerBufferBytes(o, maxFrameBytes, where),
      frameTimeoutMs: o.frameTimeoutMs ?? 10_000,
    },
    fileOptions: fileOptions as FileWriterOptions,
  };
}

/** `via` in words, for messages. */
export function describeVia(via: Via): string {
  return typeof via === 'object' ? `socket ${via.socket}` : `the ${via} channel`;
}

// A whole frame of maxFrameBytes must fit, or a peer sending one could never be served.
function peerBufferBytes(o: IpcOptions, maxFrameBytes: number, where: string): number {
  if (o.maxPeerBufferBytes === undefined) return Math.max(64 * 1024 * 1024, 2 * maxFrameBytes);
  const n = parseSize('maxPeerBufferBytes', o.maxPeerBufferBytes);
  if (n < maxFrameBytes + 8) {
    throw new FaninOptionError(
      'maxPeerBufferBytes',
      `${where}: option "maxPeerBufferBytes" (${n}) must hold one whole frame of maxFrameBytes (${maxFrameBytes}) and its header`,
    );
  }
  return n;
}

/** A batch holds at most this many characters (32 K), and fits a frame the writer accepts. */
const BATCH_CHARS = 32 * 1024;

/** What a forwarder gets of the settings. */
export function forwarderLimits(s: IpcSettings, whenFull: IpcOptions['whenFull']): ForwarderLimits {
  return {
    maxBufferChars: s.maxBufferChars,
    windowChars: s.windowChars,
    // UTF-8 is at most 3 bytes a character (4 for a surrogate pair, 2 characters), plus 5
    // bytes of length and level a record.
    batchChars: Math.min(BATCH_CHARS, Math.floor((s.maxFrameBytes - 1024) / 4)),
    connectTimeoutMs: s.connectTimeoutMs,
    ackWaitMs: s.exitTimeoutMs,
    spills: whenFull !== 'drop',
    sendAtExit: s.destination !== undefined,
  };
}

/**
 * The options of a file writer this process owns (for its own records, or every peer's).
 * One process's records can reach the file through two writers (the writer process's, and
 * its own for large records and spills), and either may rotate the file. So with rotation on,
 * each checks before every write that its path still names the file it has open (one stat(2)
 * a batch): a record appended to a file just rotated away would land before records already
 * in the new one. Acknowledgements order the two writers' writes in time; this orders the
 * files. Without rotation only something outside renames the file (logrotate), and the usual
 * check (reopenCheckMs, 100 ms) is the same for every writer of it.
 */
export function writerFileOptions(s: IpcSettings, onError: (err: FaninError) => void) {
  const f = s.fileOptions;
  const rotates = f.maxBytes !== undefined || f.datePattern !== undefined;
  return {
    ...f,
    reopenCheckMs: f.reopenCheckMs ?? (rotates ? 0 : undefined),
    exitHook: false,
    onError,
  };
}
