import { createLog4jsConfigure } from '@fanin/core';
import type { SyslogWriterOptions } from './syslog-options.js';
import { syslogWriterSpec } from './syslog-options.js';
import { createSyslogWriter } from './syslog-writer.js';

/**
 * log4js appender module: `{ type: '@fanin/syslog', target: 'relp://127.0.0.1:2514', appName: 'api' }`.
 * The layout (basic by default) makes the message; the event's level sets the severity.
 */
export const configure = createLog4jsConfigure({
  name: '@fanin/syslog',
  options: syslogWriterSpec,
  createWriter: (o, where) => createSyslogWriter(o as unknown as SyslogWriterOptions, where),
});
