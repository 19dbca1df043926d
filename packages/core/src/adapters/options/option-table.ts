import type { SourceOption, SourceSpec } from './source-spec.js';

const STATUS = { honoured: 'honoured', refused: '**refused**', ignored: 'ignored, warned once' };

const cell = (text: string | undefined): string => (text ?? '').replace(/\|/g, '\\|');

function cells(name: string, o: SourceOption): string[] {
  const notes = o.status === 'honoured' ? o.doc : `${o.doc}: ${o.why ?? ''}`;
  const fanin = o.status === 'honoured' ? (o.maps ?? '') : '';
  return [`\`${name}\``, STATUS[o.status], cell(fanin), cell(o.default), cell(notes)];
}

// Columns padded to their widest cell, as Biome formats Markdown tables (so `biome check`
// and the drift test agree on one text).
function aligned(rows: string[][]): string[] {
  const widths = (rows[0] ?? []).map((_, i) =>
    Math.max(3, ...rows.map((r) => (r[i] ?? '').length)),
  );
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  const [head, ...body] = rows;
  return [line(head ?? []), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)];
}

/**
 * The migration table of one source, in Markdown: one row per option with what fanin does with
 * it. Generated from the same spec that checks and maps the options, so it cannot drift.
 *
 * @example
 * optionTable(winstonFileSource); // '| Option | fanin | …'
 */
export function optionTable(source: SourceSpec): string {
  const head = ['Option', 'What fanin does', 'Becomes', 'Default', 'Notes'];
  const body = Object.entries(source.options).map(([name, o]) => cells(name, o));
  const intro = `**${source.title}** — read as such: ${source.selectedBy}.`;
  return [intro, '', ...aligned([head, ...body])].join('\n');
}

/**
 * `text` with each `<!-- options:<id> -->` … `<!-- /options:<id> -->` block replaced by the
 * table of that source; markers of unknown sources are left alone.
 *
 * @example
 * fs.writeFileSync(readme, withOptionTables(fs.readFileSync(readme, 'utf8'), optionSources));
 */
export function withOptionTables(text: string, sources: readonly SourceSpec[]): string {
  let out = text;
  for (const source of sources) {
    const open = `<!-- options:${source.id} -->`;
    const close = `<!-- /options:${source.id} -->`;
    const start = out.indexOf(open);
    const end = out.indexOf(close);
    if (start < 0 || end < start) continue;
    out = `${out.slice(0, start + open.length)}\n${optionTable(source)}\n${out.slice(end)}`;
  }
  return out;
}
