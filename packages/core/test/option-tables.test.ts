import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { optionSources, optionTable, withOptionTables } from '../src/internal.js';

const readme = fs.readFileSync(path.join(__dirname, '../README.md'), 'utf8');

describe('migration tables in packages/core/README.md', () => {
  for (const source of optionSources) {
    it(`${source.title}: the table is the one scripts/option-tables.mjs generates from the spec`, () => {
      const open = `<!-- options:${source.id} -->`;
      const close = `<!-- /options:${source.id} -->`;
      const block = readme.slice(readme.indexOf(open) + open.length, readme.indexOf(close));
      expect(readme.includes(open) && readme.includes(close), 'markers').toBe(true);
      expect(block.trim(), 'run: pnpm build && node scripts/option-tables.mjs').toBe(
        optionTable(source),
      );
    });
  }

  it('every option of every source has a row, and regenerating changes nothing', () => {
    for (const source of optionSources) {
      for (const name of Object.keys(source.options)) {
        expect(optionTable(source)).toMatch(new RegExp(`^\\| \`${name}\` +\\|`, 'm'));
      }
    }
    expect(withOptionTables(readme, optionSources)).toBe(readme);
  });

  it('a changed spec shows as a changed README', () => {
    const [first] = optionSources;
    if (!first) throw new Error('no sources');
    const changed = {
      ...first,
      options: { ...first.options, extra: { status: 'ignored', why: 'w', doc: 'd' } },
    } as const;
    expect(withOptionTables(readme, [changed])).not.toBe(readme);
  });
});
