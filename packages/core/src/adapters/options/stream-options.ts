import * as path from 'node:path';
import { FaninOptionError } from '../../contract/errors.js';
import { checkOptions, type OptionSpec } from '../../contract/options.js';
import { optionSpecOf, type SourceSpec, shared } from './source-spec.js';

// The fs.createWriteStream options winston File and winston-daily-rotate-file take in
// `options`, under their full names (`options.flags`) so that errors name them so.
const streamOptionSpec: OptionSpec = optionSpecOf({
  id: 'stream-options',
  title: 'options',
  selectedBy: '',
  options: {
    'options.flags': shared.flags,
    'options.encoding': shared.encoding,
    'options.mode': {
      status: 'honoured',
      rule: { kind: 'int', min: 0, max: 0o7777 },
      maps: 'mode',
      doc: 'file mode of a new file',
    },
  },
});

/**
 * Checks winston's `options` (the write stream's `flags`, `mode`, `encoding`), naming each as
 * `options.<key>`, and returns the writer options it sets.
 */
export function fromStreamOptions(where: string, value: unknown): { mode?: number } {
  if (value === undefined) return {};
  const given = value as Record<string, unknown>;
  const named = Object.fromEntries(Object.entries(given).map(([k, v]) => [`options.${k}`, v]));
  checkOptions(where, named, streamOptionSpec);
  return given.mode === undefined ? {} : { mode: given.mode as number };
}

/** The options of `given` that the source does not know: fanin's own, passed on as they are. */
export function passThrough(
  given: Record<string, unknown>,
  source: SourceSpec,
  also: readonly string[] = [],
): Record<string, unknown> {
  const writer: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(given)) {
    if (!(k in source.options) && !also.includes(k) && v !== undefined) writer[k] = v;
  }
  return writer;
}

/** Refuses an empty file name with a clear message (rather than EISDIR on the directory). */
export function nonEmptyFilename(where: string, filename: unknown, option = 'filename'): void {
  if (filename === '') {
    throw new FaninOptionError(option, `${where}: filename is empty (option "${option}")`);
  }
}

/** winston's path rule: `dirname` (else the filename's directory) joined to its base name. */
export function winstonPath(
  given: { filename?: unknown; dirname?: unknown },
  defaultBase: string,
): string {
  const filename = given.filename as string | undefined;
  const dir = (given.dirname as string | undefined) ?? path.dirname(filename ?? defaultBase);
  return path.join(dir, filename === undefined ? defaultBase : path.basename(filename));
}
