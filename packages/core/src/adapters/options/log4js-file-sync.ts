import { type OptionWarn, warnOptionOnce } from '../../contract/options.js';
import {
  type Log4jsMapped,
  log4jsBase,
  log4jsCommon,
  log4jsFileSource,
  log4jsSizeRotation,
  rotationOnly,
} from './log4js-file.js';
import type { SourceSpec } from './source-spec.js';

/** log4js 6 `fileSync` appender (lib/appenders/fileSync.js), option by option. */
export const log4jsFileSyncSource: SourceSpec = {
  id: 'log4js-file-sync',
  title: 'log4js fileSync (log4js 6.x)',
  selectedBy: '`like: "fileSync"`',
  options: {
    ...log4jsCommon,
    backups: log4jsFileSource.options.backups as SourceSpec['options'][string],
    // fileSync's configure passes only flags, encoding and mode on: these do nothing there.
    compress: rotationOnly('gzip rotated files', 'ignored'),
    keepFileExt: rotationOnly('app.1.log instead of app.log.1', 'ignored'),
    fileNameSep: rotationOnly('separator before the backup number', 'ignored'),
    removeColor: rotationOnly('strip ANSI colours', 'ignored'),
  },
};

/**
 * Maps a log4js `fileSync` config (already checked): the `file` appender's rules without the
 * options fileSync does not read. fanin's writes are not synchronous; `flushSync()` at exit
 * gives the guarantee fileSync users want (every record logged before exit is on disk).
 *
 * @example
 * fromLog4jsFileSync('a', { type: 'x', filename: 'app.log', maxLogSize: 1024 }).writer;
 */
export function fromLog4jsFileSync(
  where: string,
  config: Record<string, unknown>,
  warn: OptionWarn = warnOptionOnce,
): Log4jsMapped {
  const mapped = log4jsBase(where, config, log4jsFileSyncSource, true);
  log4jsSizeRotation(where, config, mapped.writer, warn, []);
  return mapped;
}
