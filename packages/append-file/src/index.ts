export type { AppendFileOptions } from './append-file-writer.js';
export { createAppendFileWriter } from './append-file-writer.js';
export { configure } from './log4js.js';
export type { AppendFileTransportOptions } from './winston.js';
export { AppendFileTransport } from './winston.js';
