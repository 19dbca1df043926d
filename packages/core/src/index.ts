export type { BatchWriterOptions } from './batch-writer.js';
export { BatchWriter, recordSize } from './batch-writer.js';
export { blockFor, retryFor } from './block-for.js';
export type { ChunkJoinerOptions, JoinStats, JoinWarning } from './chunk-joiner.js';
export { ChunkJoiner, createChunkJoiner } from './chunk-joiner.js';
export { DatePattern } from './date-pattern.js';
export type { FaninErrorCode } from './errors.js';
export { errnoCode, FaninError, FaninOptionError, FaninWriteError, warnOnce } from './errors.js';
export { deliverPendingSignals } from './exit/pending-signal.js';
export type { SignalAware } from './exit/signal-flush.js';
export type { FaninSignal, SignalOptions, SignalPolicy } from './exit/signal-policy.js';
export {
  FANIN_SIGNALS,
  signalOptionSpec,
  signalPolicyOf,
  winstonSignalOptionSpec,
} from './exit/signal-policy.js';
export type { SyncFlushable } from './exit-hooks.js';
export { registerExitFlush, setSignalPolicy } from './exit-hooks.js';
export type { FileDriver, FileInfo, TargetKind } from './file-driver.js';
export { NETWORK_FS_TYPES, nodeFileDriver } from './file-driver.js';
export type { FileTargetOptions, LockStats, Sink } from './file-target.js';
export { FileTarget } from './file-target.js';
export type { FileWriterHooks, FileWriterOptions } from './file-writer.js';
export { createFileWriter, fileWriterSpec } from './file-writer.js';
export type { Log4jsExtras } from './framework-options.js';
export {
  fromLog4jsConfig,
  fromWinstonOptions,
  log4jsFileSpec,
  winstonFileSpec,
} from './framework-options.js';
export type {
  AppenderSpec,
  Log4jsAppender,
  Log4jsEvent,
  Log4jsLayouts,
} from './log4js-appender.js';
export { createLog4jsConfigure } from './log4js-appender.js';
export { defaultNotice, LossLedger } from './loss-ledger.js';
export type { OptionRule, OptionSpec } from './options.js';
export { checkOptions, parseSize } from './options.js';
export type { FrameHeader, HeaderParse } from './record-framing.js';
export {
  createRecordIdSource,
  FRAME_MAGIC,
  frameRecord,
  PIPE_BUF,
  parseFrameHeader,
  startsWithMagic,
  writerOf,
} from './record-framing.js';
export type { ExclusiveLock, RotationPolicy, SizeRotationOptions } from './rotation.js';
export { SizeRotation } from './rotation.js';
export { RotationLock } from './rotation-lock.js';
export type { RotationNaming } from './rotation-naming.js';
export { RotationNames } from './rotation-naming.js';
export type { IpcStats, QueueStats, WriterStats } from './stats.js';
export { StatsCounter } from './stats.js';
export type { TimeRotationOptions } from './time-rotation.js';
export { TimeRotation } from './time-rotation.js';
export type { TransportSpec, WinstonFileOptions } from './winston-transport.js';
export { FaninTransport } from './winston-transport.js';
export type { DeadlineOptions, FlushOutcome, LossNotice, WhenFull, Writer } from './writer.js';
