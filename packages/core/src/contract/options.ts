import { FaninOptionError } from './errors.js';

/** How one option is checked. `unsupported` options are known but rejected with `why`. */
export type OptionRule =
  | { kind: 'string' }
  | { kind: 'boolean' }
  | { kind: 'function' }
  | { kind: 'object' }
  | { kind: 'int'; min?: number; max?: number }
  | { kind: 'size' }
  | { kind: 'enum'; values: readonly unknown[] }
  | { kind: 'custom'; expected: string; check: (value: unknown) => boolean }
  | { kind: 'unsupported'; why: string };

/** Option name to rule; the keys are the whole vocabulary a transport understands. */
export type OptionSpec = Readonly<Record<string, OptionRule>>;

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}

function expected(rule: OptionRule): string {
  switch (rule.kind) {
    case 'int':
      return `an integer${rule.min !== undefined ? ` >= ${rule.min}` : ''}${rule.max !== undefined ? ` <= ${rule.max}` : ''}`;
    case 'size':
      return 'a byte count: a positive integer or a string such as "512K", "10M", "1G"';
    case 'enum':
      return `one of ${rule.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'custom':
      return rule.expected;
    case 'object':
      return 'an object';
    default:
      return `a ${rule.kind}`;
  }
}

function fits(rule: OptionRule, value: unknown): boolean {
  switch (rule.kind) {
    case 'string':
    case 'boolean':
    case 'function':
      return typeof value === rule.kind;
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'int':
      return (
        Number.isInteger(value) &&
        (rule.min === undefined || (value as number) >= rule.min) &&
        (rule.max === undefined || (value as number) <= rule.max)
      );
    case 'size':
      return trySize(value) !== undefined;
    case 'enum':
      return rule.values.includes(value);
    case 'custom':
      return rule.check(value);
    case 'unsupported':
      return false;
  }
}

/**
 * Rejects unknown options, options of the wrong type and options this transport does not
 * honour, naming the option, what was expected and what was given. `undefined` values pass.
 *
 * @example
 * checkOptions('AppendFileTransport', opts, { filename: { kind: 'string' } });
 */
export function checkOptions(where: string, given: unknown, spec: OptionSpec): void {
  if (given === undefined) return;
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    throw new FaninOptionError(
      'options',
      `${where}: options must be an object, got ${describe(given)}`,
    );
  }
  for (const [name, value] of Object.entries(given)) {
    const rule = spec[name];
    if (!rule) {
      const known = Object.keys(spec).sort().join(', ');
      throw new FaninOptionError(
        name,
        `${where}: unknown option "${name}" (known options: ${known})`,
      );
    }
    if (value === undefined) continue;
    if (rule.kind === 'unsupported') {
      throw new FaninOptionError(name, `${where}: option "${name}" is not supported: ${rule.why}`);
    }
    if (!fits(rule, value)) {
      throw new FaninOptionError(
        name,
        `${where}: option "${name}" expects ${expected(rule)}, got ${describe(value)}`,
      );
    }
  }
}

const UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 };

function trySize(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value > 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  // log4js accepts "10M", "10 M" and lower case (lib/appenders/adapters.js); "10MB" is a common slip.
  const m = /^\s*(\d+)\s*([kmg]?)b?\s*$/i.exec(value);
  if (!m) return undefined;
  const n = Number(m[1]) * (UNITS[(m[2] ?? '').toUpperCase()] ?? 1);
  return n > 0 ? n : undefined;
}

/**
 * Parses a byte count as log4js's `maxLogSize` does: a positive integer, or a string with a
 * K/M/G suffix (powers of 1024).
 *
 * @example
 * parseSize('maxLogSize', '10M'); // 10485760
 */
export function parseSize(option: string, value: unknown): number {
  const n = trySize(value);
  if (n === undefined) {
    throw new FaninOptionError(
      option,
      `option "${option}" expects ${expected({ kind: 'size' })}, got ${describe(value)}`,
    );
  }
  return n;
}
