import { createLog4jsConfigure } from '@fanin/core';
import {
  createLockedFileWriter,
  type LockedFileOptions,
  lockedFileSpec,
} from './locked-file-writer.js';

/**
 * log4js appender module: `{ type: '@fanin/locked-file', filename: 'logs/app.log' }`.
 * Takes log4js `file` appender options plus `lockStaleMs`, `lockRetryMs`, `lockTimeoutMs`.
 */
export const configure = createLog4jsConfigure({
  name: '@fanin/locked-file',
  options: lockedFileSpec,
  createWriter: (o, where) => createLockedFileWriter(o as LockedFileOptions, where),
});
