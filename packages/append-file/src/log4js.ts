import { createLog4jsConfigure } from '@fanin/core';
import { type AppendFileOptions, createAppendFileWriter } from './append-file-writer.js';

/**
 * log4js appender module: `{ type: '@fanin/append-file', filename: 'logs/app.log' }`.
 * Takes log4js `file` appender options (`filename`, `layout`, `mode`, `removeColor`, …).
 */
export const configure = createLog4jsConfigure({
  name: '@fanin/append-file',
  createWriter: (o, where) => createAppendFileWriter(o as AppendFileOptions, where),
});
