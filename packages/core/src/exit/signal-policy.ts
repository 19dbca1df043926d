import type { OptionSpec } from '../contract/options.js';

/** The signals fanin flushes on: how docker, Kubernetes, systemd, pm2 and a terminal stop apps. */
export type FaninSignal = 'SIGTERM' | 'SIGINT' | 'SIGHUP';

/** Every signal fanin can handle, in the order it installs them. */
export const FANIN_SIGNALS: readonly FaninSignal[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];

/** What one writer wants done at a signal. */
export interface SignalPolicy {
  /** Signals whose default action (death) is preceded by a synchronous flush. */
  signals: readonly FaninSignal[];
  /** At SIGHUP, write what is queued and reopen the file, and keep running (log4js's meaning). */
  reopenOnSighup: boolean;
}

/** The policy of a writer opened without `signals`: all three, SIGHUP flushes and dies. */
export const DEFAULT_SIGNAL_POLICY: SignalPolicy = {
  signals: FANIN_SIGNALS,
  reopenOnSighup: false,
};

const isSignalList = (v: unknown): boolean =>
  Array.isArray(v) && v.every((s) => FANIN_SIGNALS.includes(s as FaninSignal));

/** The signal options every winston transport and log4js appender takes. */
export const signalOptionSpec: OptionSpec = {
  signals: {
    kind: 'custom',
    expected: `true, false, or a list of ${FANIN_SIGNALS.map((s) => JSON.stringify(s)).join(', ')}`,
    check: (v) => typeof v === 'boolean' || isSignalList(v),
  },
};

/** winston transports also take `reopenOnSignal` (log4js appenders always reopen on SIGHUP). */
export const winstonSignalOptionSpec: OptionSpec = {
  ...signalOptionSpec,
  reopenOnSignal: { kind: 'boolean' },
};

/**
 * Takes the signal options out of a transport's options (the writer does not know them).
 *
 * @example
 * const { signals, rest } = takeSignalOptions({ filename: 'a.log', signals: false });
 */
export function takeSignalOptions(options: Record<string, unknown>): {
  signals: SignalOptions;
  rest: Record<string, unknown>;
} {
  const { signals, reopenOnSignal, ...rest } = options;
  return { signals: { signals, reopenOnSignal } as SignalOptions, rest };
}

/** The signal options of a transport or appender, as the user gives them. */
export interface SignalOptions {
  /**
   * Flush synchronously and re-raise at SIGTERM / SIGINT / SIGHUP when the app has no handler of
   * its own: `true` for all three, `false` for none, or a list. @default true
   */
  signals?: boolean | readonly FaninSignal[];
  /** winston only: at SIGHUP reopen the file and keep running, as log4js does. @default false */
  reopenOnSignal?: boolean;
}

/**
 * The policy of a transport's options: `framework` log4js reopens on SIGHUP whenever SIGHUP is
 * among `signals` (log4js's file appender reopens on SIGHUP for logrotate's postrotate); winston
 * only with `reopenOnSignal: true`.
 *
 * @example
 * signalPolicyOf({ signals: ['SIGTERM'] }, 'winston'); // { signals: ['SIGTERM'], reopenOnSighup: false }
 */
export function signalPolicyOf(
  options: SignalOptions,
  framework: 'winston' | 'log4js',
): SignalPolicy {
  // checkOptions (signalOptionSpec) has already refused anything else.
  const given = options.signals ?? true;
  const signals = given === true ? FANIN_SIGNALS : given === false ? [] : [...given];
  const reopenOnSighup =
    framework === 'log4js' ? signals.includes('SIGHUP') : options.reopenOnSignal === true;
  return { signals, reopenOnSighup };
}
