import { FaninOptionError } from './errors.js';

/**
 * How one option is checked. `unsupported` options are known but refused with `why`; `ignored`
 * options are accepted with one warning naming them and `why`. On any other rule, `why` is added
 * to the error when a value does not fit (the reason and the alternative).
 */
export type OptionRule = (
  | { kind: 'string' }
  | { kind: 'boolean' }
  | { kind: 'function' }
  | { kind: 'object' }
  | { kind: 'int'; min?: number; max?: number }
  | { kind: 'size' }
  | { kind: 'enum'; values: readonly unknown[] }
  | { kind: 'custom'; expected: string; check: (value: unknown) => boolean }
  | { kind: 'unsupported'; why: string }
  | { kind: 'ignored'; why: string }
) & { why?: string };

/** Where {@link checkOptions} sends the warning for an ignored option. */
export type OptionWarn = (message: string, option: string) => void;

const warnedOptions = new Set<string>();

/**
 * The default {@link OptionWarn}: one process warning (code `FANIN_OPTION_IGNORED`) per message,
 * so a logger built in a loop warns once.
 */
export const warnOptionOnce: OptionWarn = (message) => {
  if (warnedOptions.has(message)) return;
  warnedOptions.add(message);
  process.emitWarning(message, { code: 'FANIN_OPTION_IGNORED' });
};

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
    case 'ignored':
      return true;
  }
}

/**
 * Rejects unknown options (with a "did you mean" when one is close), options of the wrong type
 * and options this transport does not honour, naming the option, what was expected and what was
 * given; warns once for each `ignored` option given. `undefined` values pass.
 *
 * @example
 * checkOptions('AppendFileTransport', opts, { filename: { kind: 'string' } });
 */
export function checkOptions(
  where: string,
  given: unknown,
  spec: OptionSpec,
  warn: OptionWarn = warnOptionOnce,
): void {
  if (given === undefined) return;
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    throw new FaninOptionError(
      'options',
      `${where}: options must be an object, got ${describe(given)}`,
    );
  }
  for (const [name, value] of Object.entries(given)) {
    const rule = spec[name];
    if (!rule) throw unknownOption(where, name, Object.keys(spec));
    if (value === undefined) continue;
    if (rule.kind === 'unsupported') {
      throw new FaninOptionError(name, `${where}: option "${name}" is not supported: ${rule.why}`);
    }
    if (rule.kind === 'ignored') {
      warn(`${where}: option "${name}" is ignored: ${rule.why}`, name);
      continue;
    }
    if (!fits(rule, value)) {
      const why = rule.why ? ` (${rule.why})` : '';
      throw new FaninOptionError(
        name,
        `${where}: option "${name}" expects ${expected(rule)}, got ${describe(value)}${why}`,
      );
    }
  }
}

/**
 * The error for an option nobody knows: with the closest known name when one differs only in
 * case or by at most two edits (`maxSize` → `maxsize`), else with the list of known names.
 */
export function unknownOption(where: string, name: string, known: readonly string[]) {
  const near = closest(name, known);
  const hint = near ? `did you mean "${near}"?` : `known options: ${[...known].sort().join(', ')}`;
  return new FaninOptionError(name, `${where}: unknown option "${name}" (${hint})`);
}

function closest(name: string, known: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  const sameCase = known.find((k) => k.toLowerCase() === lower);
  if (sameCase) return sameCase;
  let best: string | undefined;
  let bestDistance = Math.min(2, Math.floor(name.length / 3));
  for (const k of known) {
    const d = editDistance(lower, k.toLowerCase());
    if (d <= bestDistance && (best === undefined || d < bestDistance)) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

// Levenshtein distance, one row at a time.
function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      next[j] = Math.min((row[j] ?? 0) + 1, (next[j - 1] ?? 0) + 1, (row[j - 1] ?? 0) + cost);
    }
    row = next;
  }
  return row[b.length] ?? 0;
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
