export { defaultNotice, LossLedger } from './account/loss-ledger.js';
export type { LossReport } from './account/loss-reporter.js';
export { LossReporter } from './account/loss-reporter.js';
export { mergeStats } from './account/merge-stats.js';
export type { IpcStats, LockStats, QueueStats, WriterStats } from './account/stats.js';
export { StatsCounter } from './account/stats.js';
export type { AccountOptions, Loss } from './account/writer-account.js';
export { reportWarning, WriterAccount } from './account/writer-account.js';
export {
  checkLog4jsConfig,
  checkWinstonOptions,
  fromLog4jsConfig,
  fromWinstonOptions,
  log4jsFileSpec,
  optionSources,
  winstonFileSpec,
} from './adapters/framework-options.js';
export type {
  AppenderSpec,
  Log4jsAppender,
  Log4jsEvent,
  Log4jsLayouts,
} from './adapters/log4js-appender.js';
export { createLog4jsConfigure } from './adapters/log4js-appender.js';
export type { Log4jsExtras, Log4jsMapped } from './adapters/options/log4js-file.js';
export { optionTable, withOptionTables } from './adapters/options/option-table.js';
export type { OptionStatus, SourceOption, SourceSpec } from './adapters/options/source-spec.js';
export { optionSpecOf } from './adapters/options/source-spec.js';
export type { DailyRotateFileOptions } from './adapters/options/winston-daily-rotate.js';
export type { WinstonMapped } from './adapters/options/winston-file.js';
export type { PinoDestinationOptions } from './adapters/pino-destination.js';
export { createPinoDestination, PinoDestination, pinoTarget } from './adapters/pino-destination.js';
export type { WinstonEventStyle } from './adapters/winston-events.js';
export { winstonEventOf, winstonEventStyle } from './adapters/winston-events.js';
export { FaninFileTransport } from './adapters/winston-file-transport.js';
export type { WinstonQueryOptions } from './adapters/winston-query.js';
export { logFiles, queryLog } from './adapters/winston-query.js';
export type { LogStream } from './adapters/winston-tail.js';
export { tailLog } from './adapters/winston-tail.js';
export type { TransportSpec, WinstonFileOptions } from './adapters/winston-transport.js';
export { FaninTransport } from './adapters/winston-transport.js';
export type { FaninErrorCode } from './contract/errors.js';
export {
  errnoCode,
  FaninError,
  FaninOptionError,
  FaninWriteError,
  warnOnce,
} from './contract/errors.js';
export type { FileEvent, FileEventListener } from './contract/file-events.js';
export type { OptionRule, OptionSpec, OptionWarn } from './contract/options.js';
export { checkOptions, parseSize, unknownOption, warnOptionOnce } from './contract/options.js';
export type {
  DeadlineOptions,
  FlushOutcome,
  LossNotice,
  WhenFull,
  Writer,
} from './contract/writer.js';
export type { SyncFlushable } from './exit/exit-hooks.js';
export { registerExitFlush, setSignalPolicy } from './exit/exit-hooks.js';
export { deliverPendingSignals } from './exit/pending-signal.js';
export type { SignalAware } from './exit/signal-flush.js';
export type { FaninSignal, SignalOptions, SignalPolicy } from './exit/signal-policy.js';
export {
  FANIN_SIGNALS,
  signalOptionSpec,
  signalPolicyOf,
  winstonSignalOptionSpec,
} from './exit/signal-policy.js';
export type { ChunkJoinerOptions, JoinStats, JoinWarning } from './framing/chunk-joiner.js';
export { ChunkJoiner, createChunkJoiner } from './framing/chunk-joiner.js';
export type { FrameHeader, HeaderParse } from './framing/record-framing.js';
export {
  createRecordIdSource,
  FRAME_MAGIC,
  frameRecord,
  PIPE_BUF,
  parseFrameHeader,
  startsWithMagic,
  writerOf,
} from './framing/record-framing.js';
export type { DateDialect, DatePatternOptions } from './rotation/date-pattern.js';
export { DatePattern } from './rotation/date-pattern.js';
export type { DateNaming } from './rotation/dated-names.js';
export type { ExclusiveLock } from './rotation/rotation-lock.js';
export { RotationLock } from './rotation/rotation-lock.js';
export type { RotationNaming } from './rotation/rotation-naming.js';
export { RotationNames } from './rotation/rotation-naming.js';
export type { CommonRotationOptions, RotationPolicy } from './rotation/rotation-policy.js';
export { RotationTemplate } from './rotation/rotation-template.js';
export type { SizeRotationOptions } from './rotation/size-rotation.js';
export { SizeRotation } from './rotation/size-rotation.js';
export type { TimeRotationOptions } from './rotation/time-rotation.js';
export { TimeRotation } from './rotation/time-rotation.js';
export { blockFor, retryFor } from './system/block-for.js';
export { EndOfTurn } from './system/end-of-turn.js';
export type { FileDriver, FileInfo, TargetKind } from './system/file-driver.js';
export { NETWORK_FS_TYPES, nodeFileDriver } from './system/file-driver.js';
export { landedLines } from './write/batch-output.js';
export { BatchWriter } from './write/batch-writer.js';
export type { BatchWriterOptions } from './write/batch-writer-options.js';
export { recordSize } from './write/batch-writer-options.js';
export { FileTarget } from './write/file-target.js';
export type { FileTargetOptions } from './write/file-target-options.js';
export type { FileWriterHooks, FileWriterOptions } from './write/file-writer.js';
export { createFileWriter, fileWriterSpec } from './write/file-writer.js';
export type { LockingSink, Sink, SinkCounters } from './write/sink.js';
export { isLocking } from './write/sink.js';
