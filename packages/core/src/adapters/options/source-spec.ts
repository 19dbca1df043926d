import type { OptionRule, OptionSpec, OptionWarn } from '../../contract/options.js';
import type { FileWriterOptions } from '../../write/file-writer.js';

/**
 * Writer options a source maps to: the file writer's, plus the rotation options of issue #16
 * (`dateDialect`, `utc`, `periodMs`, `extension`, `symlinkName`, `auditFile`, …) by name.
 */
export type MappedWriterOptions = FileWriterOptions & Record<string, unknown>;

/** What fanin does with one option of a framework's transport or appender. */
export type OptionStatus = 'honoured' | 'refused' | 'ignored';

/**
 * One option of a source (winston File, winston-daily-rotate-file, log4js file / dateFile /
 * fileSync), as that source names it. The migration tables in the README are generated from
 * these entries (scripts/option-tables.mjs), so the table and the check cannot drift apart.
 */
export interface SourceOption {
  status: OptionStatus;
  /** `honoured`: the values accepted; any other value is refused, with `why` when given. */
  rule?: OptionRule;
  /** `honoured`: the fanin writer option(s) it becomes, or what honours it. */
  maps?: string;
  /** The source's default, which fanin applies the same way. */
  default?: string;
  /** `refused` / `ignored`: the reason and the alternative; `honoured`: why values are refused. */
  why?: string;
  /** One line for the migration table. */
  doc: string;
}

/**
 * The row of an option honoured as its source honours it: the values accepted, the fanin option
 * it becomes (or what honours it), its line for the table, and the source's default when it has
 * one. The row stays one line of the table's source where it has nothing more to say.
 *
 * @example
 * level: honoured({ kind: 'string' }, 'winston-transport', 'minimum level'),
 */
export function honoured(
  rule: OptionRule,
  maps: string,
  doc: string,
  more: { default?: string } = {},
): SourceOption {
  return { status: 'honoured', rule, maps, doc, ...more };
}

/** Every option of one source. */
export interface SourceSpec {
  /** Marker name in the README (`<!-- options:<id> -->`). */
  id: string;
  /** The source, as its users know it (`winston File (3.x)`). */
  title: string;
  /** How a config is read as this source. */
  selectedBy: string;
  options: Readonly<Record<string, SourceOption>>;
}

/** The check rules of a source's options, for {@link checkOptions}. */
export function optionSpecOf(source: SourceSpec): OptionSpec {
  const spec: Record<string, OptionRule> = {};
  for (const [name, o] of Object.entries(source.options)) {
    const why = o.why ?? o.doc;
    if (o.status === 'refused') spec[name] = { kind: 'unsupported', why };
    else if (o.status === 'ignored') spec[name] = { kind: 'ignored', why };
    else
      spec[name] = o.why
        ? { ...(o.rule ?? { kind: 'object' }), why: o.why }
        : (o.rule as OptionRule);
  }
  return spec;
}

/** Shared entries: the same option gets the same answer under every source. */
export const shared = {
  stream: {
    status: 'refused',
    why: 'fanin writes whole records to a file it opens itself; give "filename" (or "/dev/stdout")',
    doc: 'write to a stream instead of a file',
  },
  flags: {
    status: 'honoured',
    // The append flags streamroller itself treats as append (RollingFileWriteStream).
    rule: { kind: 'enum', values: ['a', 'a+', 'as', 'as+'] },
    maps: 'always append',
    default: "'a'",
    why: 'any other flag ("w" truncates) would destroy the records other processes append; remove the file before starting instead',
    doc: 'open flags; append ones only',
  },
  encoding: {
    status: 'honoured',
    rule: { kind: 'enum', values: ['utf8', 'utf-8'] },
    maps: 'UTF-8 always',
    default: "'utf8'",
    why: 'records are framed and split as UTF-8; transcode in a winston format or log4js layout instead',
    doc: 'file encoding; only UTF-8',
  },
} as const satisfies Record<string, SourceOption>;

/** A conditional no-op the original accepts silently: warned once, naming the option. */
export function ignoredHere(where: string, warn: OptionWarn, option: string, why: string): void {
  warn(`${where}: option "${option}" is ignored: ${why}`, option);
}
