import type { FaninError } from '@fanin/core';
import { resolveOptions, type SyslogWriterOptions } from './syslog-options.js';
import { createSyslogWriter, type SyslogWriter } from './syslog-writer.js';

/** What @fanin/ipc hands a destination factory (its `IpcDestinationContext`). */
export interface SyslogDestinationContext {
  where: string;
  onError: (err: FaninError) => void;
}

/**
 * A factory of syslog writers for `@fanin/ipc`'s `destination` option (this package does not
 * depend on @fanin/ipc: the two meet on core's `Writer`). `key` tells worker threads and pm2
 * instances which destination is the same one.
 */
export type SyslogDestination = ((context: SyslogDestinationContext) => SyslogWriter) & {
  readonly key: string;
};

/**
 * The syslog writer as the destination of the ipc writer: the one writer process holds the one
 * RELP session (and spool) for all its cluster workers, forked children and threads. The options
 * are checked now, with the errors of {@link createSyslogWriter}. The writers it makes have no
 * exit hook of their own (the ipc writer's calls their `flushSync()`); errors go to the ipc
 * writer's `onError` unless these options give one.
 *
 * @example
 * createIpcWriter({
 *   via: 'cluster',
 *   destination: syslogDestination({ target: 'relp://logs.example.com:2514', appName: 'api' }),
 * });
 * // or, as plain data (a log4js JSON config):
 * // destination: { type: '@fanin/syslog', target: 'relp://logs.example.com:2514', appName: 'api' }
 */
export function syslogDestination(
  options: SyslogWriterOptions,
  where = 'syslogDestination',
): SyslogDestination {
  const given = { ...options };
  resolveOptions(where, given);
  const make = (context: SyslogDestinationContext): SyslogWriter =>
    createSyslogWriter(
      { ...given, onError: given.onError ?? context.onError, exitHook: false },
      `${context.where} (destination)`,
    );
  return Object.assign(make, { key: `syslog ${given.target}` });
}

/**
 * What @fanin/ipc calls for `destination: { type: '@fanin/syslog', ...options }`: the same as
 * {@link syslogDestination}.
 */
export function ipcDestination(options: Record<string, unknown>, where: string): SyslogDestination {
  return syslogDestination(options as unknown as SyslogWriterOptions, where);
}
