import { FaninError } from '../contract/errors.js';
import type { OptionSpec } from '../contract/options.js';
import type { Writer } from '../contract/writer.js';
import { setSignalPolicy } from '../exit/exit-hooks.js';
import { signalOptionSpec, signalPolicyOf, takeSignalOptions } from '../exit/signal-policy.js';
import { fileWriterSpec } from '../write/file-writer.js';
import { checkLog4jsConfig, fromLog4jsConfig } from './framework-options.js';

/** The part of a log4js logging event an appender reads. */
export interface Log4jsEvent {
  level?: { levelStr?: string };
  data?: unknown[];
}

/** The part of log4js's `layouts` module an appender uses. */
export interface Log4jsLayouts {
  basicLayout: (event: Log4jsEvent, timezoneOffset?: number) => string;
  layout: (
    type: string,
    config: unknown,
  ) => ((event: Log4jsEvent, tz?: number) => string) | undefined;
}

/** A log4js appender function with log4js's `shutdown(cb)` contract and the writer's stats. */
export interface Log4jsAppender {
  (event: Log4jsEvent): void;
  shutdown(done: (err?: Error) => void): void;
  writer: Writer;
}

/** How a transport package plugs its writer into {@link createLog4jsConfigure}. */
export interface AppenderSpec {
  /** The module name, used in error messages (e.g. `@fanin/append-file`). */
  name: string;
  options?: OptionSpec;
  createWriter(options: Record<string, unknown>, where: string): Writer;
}

// log4js's file appender strips ANSI colours this way when `removeColor` is set.
const ANSI = /\x1b\[[0-9;]*m/g;

/**
 * Builds the `configure(config, layouts)` a log4js appender module exports. The appender writes
 * `layout(event) + eol` (basic layout and `os.EOL` by default, as log4js's `file` appender), and
 * carries `shutdown(cb)` as a property — exporting `shutdown` from the module would trigger
 * log4js's DEP0002 warning. Errors go to `onError` if given, else to `console.error` (log4js's
 * own appenders' error path), once per reason until writing recovers.
 *
 * @example
 * module.exports.configure = createLog4jsConfigure({ name: '@fanin/append-file', createWriter });
 */
export function createLog4jsConfigure(spec: AppenderSpec) {
  return function configure(
    config: Record<string, unknown>,
    layouts?: Log4jsLayouts,
  ): Log4jsAppender {
    if (!layouts) {
      const why = 'configure() is called by log4js, with its layouts module';
      throw new FaninError('ERR_FANIN_OPTION', `${spec.name}: ${why}`);
    }
    checkLog4jsConfig(spec.name, config, {
      ...fileWriterSpec,
      ...signalOptionSpec,
      ...spec.options,
    });
    const { signals, rest } = takeSignalOptions(config);
    const { writer: options, extras } = fromLog4jsConfig(rest, spec.name);
    options.onError ??= (err: FaninError) => console.error(`${spec.name}: ${err.message}`);
    const layout = extras.layout
      ? layouts.layout(extras.layout.type, extras.layout)
      : layouts.basicLayout;
    if (!layout) {
      throw new FaninError(
        'ERR_FANIN_OPTION',
        `${spec.name}: unknown layout type ${JSON.stringify(extras.layout?.type)}`,
      );
    }
    const writer = spec.createWriter(options as Record<string, unknown>, spec.name);
    // log4js's file appender reopens its file on SIGHUP (logrotate's postrotate): so does this.
    setSignalPolicy(writer, signalPolicyOf(signals, 'log4js'));
    const appender = ((event: Log4jsEvent) => {
      if (extras.removeColor && Array.isArray(event.data)) {
        event.data = event.data.map((d) => (typeof d === 'string' ? d.replace(ANSI, '') : d));
      }
      let line: string;
      try {
        line = layout(event, extras.timezoneOffset);
      } catch (err) {
        // A throwing layout must not reach the logging call; count and report the record.
        writer.noteDropped('layout-error', 1);
        options.onError?.(
          new FaninError('ERR_FANIN_RECORD', `${spec.name}: layout threw: ${String(err)}`),
        );
        return;
      }
      writer.write(line + extras.eol, event.level?.levelStr);
    }) as Log4jsAppender;
    appender.shutdown = (done) => {
      writer.close().then(
        () => done(),
        (err: Error) => done(err),
      );
    };
    appender.writer = writer;
    return appender;
  };
}
