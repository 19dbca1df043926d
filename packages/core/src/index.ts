// The public API of @fanin/core: what a user of fanin or an author of a transport needs. Each
// name here is a semver promise, listed in api/public.txt (test/api-report.test.ts compares).
// Everything fanin's own packages share beyond this is in ./internal.ts (`@fanin/core/internal`).

export { mergeStats } from './account/merge-stats.js';
export type { IpcStats, LockStats, QueueStats, WriterStats } from './account/stats.js';
export type { AccountOptions, Loss } from './account/writer-account.js';
export { WriterAccount } from './account/writer-account.js';
export type {
  AppenderSpec,
  Log4jsAppender,
  Log4jsEvent,
  Log4jsLayouts,
} from './adapters/log4js-appender.js';
export { createLog4jsConfigure } from './adapters/log4js-appender.js';
export type { DailyRotateFileOptions } from './adapters/options/winston-daily-rotate.js';
export type { PinoDestinationOptions } from './adapters/pino-destination.js';
export { createPinoDestination, PinoDestination, pinoTarget } from './adapters/pino-destination.js';
export { FaninFileTransport } from './adapters/winston-file-transport.js';
export type { TransportSpec, WinstonFileOptions } from './adapters/winston-transport.js';
export { FaninTransport, transportSpec } from './adapters/winston-transport.js';
export type { FaninErrorCode } from './contract/errors.js';
export { FaninError, FaninOptionError, FaninWriteError } from './contract/errors.js';
export type { FileEvent, FileEventListener } from './contract/file-events.js';
export type { OptionRule, OptionSpec } from './contract/options.js';
export type {
  DeadlineOptions,
  FlushOutcome,
  LossNotice,
  WhenFull,
  Writer,
} from './contract/writer.js';
export type { SyncFlushable } from './exit/exit-hooks.js';
export { registerExitFlush, setSignalPolicy } from './exit/exit-hooks.js';
export type { SignalAware } from './exit/signal-flush.js';
export type { FaninSignal, SignalOptions, SignalPolicy } from './exit/signal-policy.js';
export type { ChunkJoinerOptions, JoinStats, JoinWarning } from './framing/chunk-joiner.js';
export { ChunkJoiner, createChunkJoiner } from './framing/chunk-joiner.js';
// The reading side of the frame format (README "Frame format (version 1)"), for tools that
// check or join framed output themselves.
export type { FrameHeader, HeaderParse } from './framing/record-framing.js';
export {
  FRAME_MAGIC,
  PIPE_BUF,
  parseFrameHeader,
  startsWithMagic,
  writerOf,
} from './framing/record-framing.js';
export type { DateDialect } from './rotation/date-pattern.js';
export type { DateNaming } from './rotation/dated-names.js';
export type { RotationNaming } from './rotation/rotation-naming.js';
export type { CommonRotationOptions } from './rotation/rotation-policy.js';
export type { SizeRotationOptions } from './rotation/size-rotation.js';
export type { TimeRotationOptions } from './rotation/time-rotation.js';
export type { FileDriver, FileInfo, TargetKind } from './system/file-driver.js';
export { BatchWriter } from './write/batch-writer.js';
export type { BatchWriterOptions } from './write/batch-writer-options.js';
export type { FileWriterOptions } from './write/file-writer.js';
export { createFileWriter } from './write/file-writer.js';
export type { Sink, SinkCounters } from './write/sink.js';
