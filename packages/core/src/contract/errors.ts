/**
 * Stable error codes carried by every {@link FaninError}. Match on `code`, never on the message.
 */
export type FaninErrorCode =
  | 'ERR_FANIN_OPTION'
  | 'ERR_FANIN_OPEN'
  | 'ERR_FANIN_WRITE'
  | 'ERR_FANIN_RECORD'
  | 'ERR_FANIN_CLOSED'
  | 'ERR_FANIN_TIMEOUT'
  | 'ERR_FANIN_FRAME';

// The brands an error carries, under a registered symbol: the CommonJS and the ESM build of
// this module (a program may load both: log4js `require`s an appender its app `import`s) define
// two classes each, and `instanceof` must hold across them (the dual-package hazard, Node docs
// "Dual CommonJS/ES module packages").
const BRANDS = Symbol.for('@fanin/core:error-brands');
const OWN_BRAND = Symbol.for('@fanin/core:error-brand');

// Every fanin class from `ctor` up to Error, by name.
function brandsOf(ctor: unknown): string[] {
  const out: string[] = [];
  for (
    let c = ctor as { [OWN_BRAND]?: string } | null;
    c && c !== Error;
    c = Object.getPrototypeOf(c)
  ) {
    if (Object.hasOwn(c, OWN_BRAND)) out.push(c[OWN_BRAND] as string);
  }
  return out;
}

/**
 * Base class of every error fanin raises or reports. `code` is stable across releases.
 * `instanceof` holds between the CommonJS and the ESM copy of each class.
 *
 * @example
 * try { createAppendFileWriter({ filname: 'x.log' }); }
 * catch (e) { if (e instanceof FaninError && e.code === 'ERR_FANIN_OPTION') console.error(e.message); }
 */
export class FaninError extends Error {
  static readonly [OWN_BRAND]: string = 'FaninError';
  readonly code: FaninErrorCode;
  constructor(code: FaninErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    Object.defineProperty(this, BRANDS, { value: brandsOf(new.target) });
  }
}

// `x instanceof C`: a fanin class matches by brand (either build's instances); a user's subclass
// of one (which has no brand of its own) as usual. A plain function: `this` is C.
function hasInstance(this: abstract new (...args: never[]) => unknown, value: unknown): boolean {
  if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
  if (!Object.hasOwn(this, OWN_BRAND)) return false;
  const brands = (value as { [BRANDS]?: unknown } | null | undefined)?.[BRANDS];
  return Array.isArray(brands) && brands.includes((this as { [OWN_BRAND]?: string })[OWN_BRAND]);
}
Object.defineProperty(FaninError, Symbol.hasInstance, { value: hasInstance });

/** An option is unknown, of the wrong type, or not honoured by this transport. */
export class FaninOptionError extends FaninError {
  static override readonly [OWN_BRAND]: string = 'FaninOptionError';
  /** The option's name, as the user spelled it. */
  readonly option: string;
  constructor(option: string, message: string) {
    super('ERR_FANIN_OPTION', message);
    this.option = option;
  }
}

/**
 * A write or open failed. Records of the failed write are counted in `stats().dropped` under
 * `reason`; the writer keeps going and retries after a bounded back-off.
 */
export class FaninWriteError extends FaninError {
  static override readonly [OWN_BRAND]: string = 'FaninWriteError';
  /** The errno code (`ENOSPC`, `EIO`, …) or fanin's reason for the loss. */
  readonly reason: string;
  /** Records lost by the operation that failed. */
  readonly records: number;
  constructor(
    code: FaninErrorCode,
    reason: string,
    records: number,
    message: string,
    cause?: unknown,
  ) {
    super(code, message, { cause });
    this.reason = reason;
    this.records = records;
  }
}

/** The errno code of a Node system error, or `'UNKNOWN'`. */
export function errnoCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'UNKNOWN';
}

const warned = new Set<string>();

/**
 * The default error path of every fanin writer without an `onError`: one process warning per
 * reason (a failed write's errno, else the error code), so a failing disk warns once, not per
 * record; `stats()` counts every occurrence.
 *
 * @example
 * const report = options.onError ?? warnOnce;
 */
export function warnOnce(err: FaninError): void {
  const reason = err instanceof FaninWriteError ? err.reason : err.code;
  if (warned.has(reason)) return;
  warned.add(reason);
  process.emitWarning(err.message, { code: err.code });
}
