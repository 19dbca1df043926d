// `@fanin/core/internal`: what fanin's own packages share beyond the public API (./index.ts).
// No semver promise: any name here may change or go in any release. Listed in api/internal.txt
// (test/api-report.test.ts compares). The same build as `@fanin/core` (tsup splitting), so a
// class or error from here is the class the root entry's names use.

export { defaultNotice, LossLedger } from './account/loss-ledger.js';
export type { LossReport } from './account/loss-reporter.js';
export { LossReporter } from './account/loss-reporter.js';
export { StatsCounter } from './account/stats.js';
export { reportWarning } from './account/writer-account.js';
export {
  checkLog4jsConfig,
  checkWinstonOptions,
  fromLog4jsConfig,
  fromWinstonOptions,
  log4jsFileSpec,
  optionSources,
  winstonFileSpec,
} from './adapters/framework-options.js';
export type { Log4jsExtras, Log4jsMapped } from './adapters/options/log4js-file.js';
export { optionTable, withOptionTables } from './adapters/options/option-table.js';
export type { OptionStatus, SourceOption, SourceSpec } from './adapters/options/source-spec.js';
export { optionSpecOf } from './adapters/options/source-spec.js';
export type { WinstonMapped } from './adapters/options/winston-file.js';
export type { WinstonEventStyle } from './adapters/winston-events.js';
export { winstonEventOf, winstonEventStyle } from './adapters/winston-events.js';
export type { WinstonQueryOptions } from './adapters/winston-query.js';
export { logFiles, queryLog } from './adapters/winston-query.js';
export type { LogStream } from './adapters/winston-tail.js';
export { tailLog } from './adapters/winston-tail.js';
export { errnoCode, warnOnce } from './contract/errors.js';
export type { OptionWarn } from './contract/options.js';
export { checkOptions, parseSize, unknownOption, warnOptionOnce } from './contract/options.js';
export { deliverPendingSignals } from './exit/pending-signal.js';
export {
  FANIN_SIGNALS,
  signalOptionSpec,
  signalPolicyOf,
  winstonSignalOptionSpec,
} from './exit/signal-policy.js';
export { createRecordIdSource, frameRecord } from './framing/record-framing.js';
export type { DatePatternOptions } from './rotation/date-pattern.js';
export { DatePattern } from './rotation/date-pattern.js';
export type { ExclusiveLock } from './rotation/rotation-lock.js';
export { RotationLock } from './rotation/rotation-lock.js';
export { RotationNames } from './rotation/rotation-naming.js';
export { ROTATION_OPTION_NAMES } from './rotation/rotation-options.js';
export type { RotationPolicy } from './rotation/rotation-policy.js';
export { RotationTemplate } from './rotation/rotation-template.js';
export { SizeRotation } from './rotation/size-rotation.js';
export { TimeRotation } from './rotation/time-rotation.js';
export { blockFor, retryFor } from './system/block-for.js';
export { EndOfTurn } from './system/end-of-turn.js';
export { NETWORK_FS_TYPES, nodeFileDriver } from './system/file-driver.js';
export { processAlive, procStat } from './system/process-alive.js';
export { within } from './system/within.js';
export { landedLines } from './write/batch-output.js';
export { recordSize } from './write/batch-writer-options.js';
export { FileTarget } from './write/file-target.js';
export type { FileTargetOptions } from './write/file-target-options.js';
export type { FileWriterHooks } from './write/file-writer.js';
export { fileWriterSpec } from './write/file-writer.js';
export type { LockingSink } from './write/sink.js';
export { isLocking } from './write/sink.js';
