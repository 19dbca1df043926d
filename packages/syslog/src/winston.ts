import { FaninTransport } from '@fanin/core';
import type TransportStream from 'winston-transport';
import { type SyslogWriterOptions, syslogWriterSpec } from './syslog-options.js';
import { createSyslogWriter } from './syslog-writer.js';

/** The syslog writer's options plus winston-transport's (`level`, `format`, `silent`…). */
export type SyslogTransportOptions = SyslogWriterOptions &
  TransportStream.TransportStreamOptions & { eol?: string };

/**
 * A winston transport that ships every record to rsyslog over RELP, at least once (see
 * {@link createSyslogWriter}). The record is `info[Symbol.for('message')]`, as the `format`
 * made it; its level sets the syslog severity.
 *
 * @example
 * winston.createLogger({ transports: [new SyslogTransport({ target: 'relp://127.0.0.1:2514', appName: 'api' })] });
 */
export class SyslogTransport extends FaninTransport {
  constructor(options: SyslogTransportOptions) {
    super(options as unknown as Record<string, unknown>, {
      name: 'SyslogTransport',
      options: syslogWriterSpec,
      createWriter: (o, where) => createSyslogWriter(o as unknown as SyslogWriterOptions, where),
    });
  }
}
