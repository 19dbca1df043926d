#!/usr/bin/env node
// Writes the migration table of each option source (winston File, winston-daily-rotate-file,
// log4js file / dateFile / fileSync) into packages/core/README.md between its markers
// (<!-- options:<id> --> … <!-- /options:<id> -->), from the specs in the built core, so that
// the README says what the code does. `--check` writes nothing and exits 1 when a table differs.
// Run after `pnpm build`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { optionSources, withOptionTables } from '../packages/core/dist/internal.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const readme = path.join(root, 'packages/core/README.md');
const before = fs.readFileSync(readme, 'utf8');
const after = withOptionTables(before, optionSources);
const missing = optionSources.filter((s) => !before.includes(`<!-- options:${s.id} -->`));
if (missing.length > 0) {
  console.error(
    `option-tables: no markers for ${missing.map((s) => s.id).join(', ')} in ${readme}`,
  );
  process.exit(1);
}
if (process.argv.includes('--check')) {
  if (after !== before) {
    console.error(
      'option-tables: packages/core/README.md is out of date: run node scripts/option-tables.mjs',
    );
    process.exit(1);
  }
} else if (after !== before) {
  fs.writeFileSync(readme, after);
  console.log('option-tables: packages/core/README.md updated');
}
