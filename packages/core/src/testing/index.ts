export {
  type ConformanceCase,
  type ConformanceSubject,
  conformanceCases,
} from './conformance.js';
export { type Fault, FaultDriver } from './fault-driver.js';
export {
  type Expected,
  type LedgerOptions,
  type LogCheck,
  LogLedger,
  type ProducerCheck,
} from './log-check.js';
export {
  checkLog,
  checkLogFiles,
  isClean,
  type LogFile,
  logFiles,
  type Naming,
  namePattern,
  summary,
} from './log-files.js';
export { fastRecord, LineSplitter, readChunks } from './log-lines.js';
export {
  type LogRecord,
  type MakeRecordOptions,
  makeRecord,
  padIsWhole,
  padLetter,
  planSizes,
  SIZES,
} from './log-records.js';
export { MemoryDriver } from './memory-driver.js';
export { prng, shuffle } from './prng.js';
export { optionError, thrownError } from './thrown-error.js';
