import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type * as tls from 'node:tls';
import { type FaninError, FaninOptionError, type OptionSpec, type WhenFull } from '@fanin/core';
import { checkOptions, fileWriterSpec, parseSize } from '@fanin/core/internal';
import type { Endpoint } from './ship-session.js';
import type { MessageOptions } from './syslog-message.js';

/**
 * Options of the syslog writer. Only `target` is required.
 *
 * @example
 * createSyslogWriter({ target: 'relp://logs.example.com:2514', appName: 'api' });
 */
export interface SyslogWriterOptions extends MessageOptions {
  /**
   * The collector: `relp://host:port` (`relps://` for RELP over TLS); best effort, for receivers
   * without RELP: `tcp://host:port` (RFC 6587 octet counting) or `tls://host:port` (RFC 5425).
   */
  target: string;
  /** TLS options for `relps://` (`ca`, `cert`, `key`, `servername`…, as `tls.connect` takes). */
  tls?: tls.ConnectionOptions;
  /**
   * Directory holding the spools, one subdirectory per writer. Keep it on a disk that survives a
   * reboot (the default, under the OS temp directory, may not).
   * @default `${os.tmpdir()}/fanin-syslog/${appName}@${host}_${port}`
   */
  spoolDir?: string;
  /** Spool segment size. @default '1M' */
  segmentBytes?: number | string;
  /** Unacknowledged bytes on disk at most, all spools of this writer together. @default '64M' */
  maxSpoolBytes?: number | string;
  /** Largest message (header included); larger records are dropped as `oversize`. @default '64K' */
  maxRecordBytes?: number | string;
  /**
   * What a record that finds the spool full does: `'drop'` (counted as `spool-full`), `'block'`
   * (the calling thread waits until acknowledgements free room), `{ blockMs }` (waits at most
   * that long, then drops). Any policy but `'drop'` runs the shipper in a worker thread.
   * @default 'drop'
   */
  whenFull?: WhenFull;
  /** Per level (case-insensitive), what to do when the spool is full; overrides `whenFull`. */
  whenFullByLevel?: Record<string, WhenFull>;
  /** RELP window: frames sent and not yet acknowledged. @default 128 (at most 1024) */
  windowSize?: number;
  /** @default 100 */
  reconnectMinMs?: number;
  /** @default 30000 */
  reconnectMaxMs?: number;
  /** @default 5000 */
  connectTimeoutMs?: number;
  /** Refusals (`rsp 500`) of one record before it is dropped as `refused`. @default 5 */
  maxRefusals?: number;
  /** Errors, once when an outage or a loss starts and once when it ends. @default warnOnce */
  onError?: (err: FaninError) => void;
  /** File mode of the spool files. @default 0o600 */
  mode?: number;
  /** Persist the ack cursor at process exit. @default true */
  exitHook?: boolean;
  /** How often the ack cursor is written to disk while acknowledgements arrive. @default 200 */
  cursorIntervalMs?: number;
}

/** The vocabulary {@link createSyslogWriter} takes (checked with "known options"). */
export const syslogWriterSpec: OptionSpec = {
  target: { kind: 'string' },
  tls: { kind: 'object' },
  spoolDir: { kind: 'string' },
  segmentBytes: { kind: 'size' },
  maxSpoolBytes: { kind: 'size' },
  maxRecordBytes: { kind: 'size' },
  whenFull: {
    kind: 'custom',
    expected:
      '"drop", "block" or { blockMs: <integer >= 0> } (a policy per level: whenFullByLevel)',
    check: (v) => whenFull.check(v),
  },
  whenFullByLevel: {
    kind: 'custom',
    expected: 'an object of level to "drop", "block" or { blockMs }',
    check: (v) =>
      typeof v === 'object' && v !== null && Object.values(v).every((p) => whenFull.check(p)),
  },
  windowSize: { kind: 'int', min: 1, max: 1024 },
  reconnectMinMs: { kind: 'int', min: 1 },
  reconnectMaxMs: { kind: 'int', min: 1 },
  connectTimeoutMs: { kind: 'int', min: 1 },
  maxRefusals: { kind: 'int', min: 1 },
  onError: { kind: 'function' },
  mode: { kind: 'int', min: 0, max: 0o7777 },
  exitHook: { kind: 'boolean' },
  cursorIntervalMs: { kind: 'int', min: 1 },
  facility: { kind: 'custom', expected: 'a facility name or code 0..23', check: () => true },
  severities: { kind: 'object' },
  appName: { kind: 'string' },
  hostname: { kind: 'string' },
  msgId: { kind: 'string' },
  sdId: { kind: 'string' },
};

// Core's rule for one policy, as every file writer and async-queue check it.
const whenFull = fileWriterSpec.whenFull as { kind: 'custom'; check: (v: unknown) => boolean };

/** Options resolved to numbers and an endpoint. */
export interface ResolvedOptions {
  endpoint: Endpoint;
  spoolRoot: string;
  segmentBytes: number;
  maxSpoolBytes: number;
  maxRecordBytes: number;
  windowSize: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  maxRefusals: number;
  mode: number;
  exitHook: boolean;
  cursorIntervalMs: number;
  /** The policy for a record of `level` that finds the spool full. */
  whenFull(level: string | undefined): WhenFull;
  /** True when some level may block: the shipper then runs in a worker thread. */
  blocks: boolean;
}

/** Checks `options` and fills in the defaults; throws `FaninOptionError` naming the option. */
export function resolveOptions(where: string, options: SyslogWriterOptions): ResolvedOptions {
  checkOptions(where, options, syslogWriterSpec);
  const endpoint = parseTarget(where, options.target, options.connectTimeoutMs ?? 5000);
  if (options.tls) endpoint.tls = { ...endpoint.tls, ...options.tls };
  const app = (options.appName ?? 'node').replace(/[^\w.-]/g, '_');
  const spoolRoot =
    options.spoolDir ??
    path.join(os.tmpdir(), 'fanin-syslog', `${app}@${endpoint.host}_${endpoint.port}`);
  return {
    endpoint,
    spoolRoot,
    segmentBytes: parseSize('segmentBytes', options.segmentBytes ?? '1M'),
    maxSpoolBytes: parseSize('maxSpoolBytes', options.maxSpoolBytes ?? '64M'),
    maxRecordBytes: parseSize('maxRecordBytes', options.maxRecordBytes ?? '64K'),
    windowSize: options.windowSize ?? 128,
    reconnectMinMs: options.reconnectMinMs ?? 100,
    reconnectMaxMs: options.reconnectMaxMs ?? 30_000,
    maxRefusals: options.maxRefusals ?? 5,
    mode: options.mode ?? 0o600,
    exitHook: options.exitHook ?? true,
    cursorIntervalMs: options.cursorIntervalMs ?? 200,
    ...policies(where, options, endpoint),
  };
}

function policies(
  where: string,
  options: SyslogWriterOptions,
  endpoint: Endpoint,
): Pick<ResolvedOptions, 'whenFull' | 'blocks'> {
  const fallback = options.whenFull ?? 'drop';
  const byLevel = new Map(
    Object.entries(options.whenFullByLevel ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
  );
  const blocks = fallback !== 'drop' || [...byLevel.values()].some((p) => p !== 'drop');
  // The shipper thread gets the TLS options by structured clone, which takes no functions.
  const fn = Object.entries(endpoint.tls ?? {}).find(([, v]) => typeof v === 'function');
  if (blocks && fn) {
    const why = `option "tls.${fn[0]}" is a function, which cannot reach the shipper thread that whenFull "block" needs`;
    throw new FaninOptionError('tls', `${where}: ${why}`);
  }
  return { blocks, whenFull: (level) => byLevel.get(level?.toLowerCase() ?? '') ?? fallback };
}

function parseTarget(where: string, target: unknown, connectTimeoutMs: number): Endpoint {
  const bad = (why: string): FaninOptionError =>
    new FaninOptionError(
      'target',
      `${where}: option "target" ${why}, got ${JSON.stringify(target)}`,
    );
  if (typeof target !== 'string') throw bad('is required: "relp://host:port"');
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw bad('must be a URL such as "relp://logs.example.com:2514"');
  }
  const port = Number(url.port);
  if (!url.hostname || !Number.isInteger(port) || port < 1) throw bad('needs a host and a port');
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  // SNI carries host names only (RFC 6066 §3): no servername for an address.
  const tls = net.isIP(host) ? {} : { servername: host };
  const base = { host, port, connectTimeoutMs };
  if (url.protocol === 'relp:') return { ...base, protocol: 'relp' };
  if (url.protocol === 'relps:') return { ...base, protocol: 'relp', tls };
  if (url.protocol === 'tcp:') return { ...base, protocol: 'octet' };
  if (url.protocol === 'tls:') return { ...base, protocol: 'octet', tls };
  throw bad('must start with relp://, relps://, or (best effort) tcp:// or tls://');
}
