export type { FileLockOptions } from './file-lock.js';
export { FileLock } from './file-lock.js';
export type { LockedFileOptions } from './locked-file-writer.js';
export { createLockedFileWriter, lockedFileSpec } from './locked-file-writer.js';
export { LockedSink } from './locked-sink.js';
export { configure } from './log4js.js';
export type { LockedFileTransportOptions } from './winston.js';
export { LockedFileTransport } from './winston.js';
