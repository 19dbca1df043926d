import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import * as publicEntry from '../src/index.js';
import * as internalEntry from '../src/internal.js';

// The API report (#18): every name an entry of @fanin/core exports, checked against the list
// in packages/core/api/, so that a new public name (a semver promise) or a name moved between
// `@fanin/core` and `@fanin/core/internal` is a change someone made on purpose, in the diff.
// After a deliberate change: `npx vitest run packages/core/test/api-report.test.ts -u`.

const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src');
const entries = {
  public: { file: 'index.ts', runtime: publicEntry },
  internal: { file: 'internal.ts', runtime: internalEntry },
} as const;

/** Every name the entry exports, types included (what its .d.ts offers), from the compiler. */
function exportedNames(program: ts.Program, file: string): string[] {
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  const module = source && checker.getSymbolAtLocation(source);
  if (!module) throw new Error(`no module symbol for ${file}`);
  return checker.getExportsOfModule(module).map((s) => s.name);
}

/** One line per name, sorted: `value <name>` if it exists at run time, else `type <name>`. */
function report(names: string[], runtime: object): string {
  const lines = names.map((n) => `${n in runtime ? 'value' : 'type '} ${n}`);
  return `${lines.sort((a, b) => a.slice(6).localeCompare(b.slice(6))).join('\n')}\n`;
}

describe('the API of @fanin/core', () => {
  const files = Object.values(entries).map((e) => path.join(src, e.file));
  const program = ts.createProgram(files, {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    types: ['node'],
    skipLibCheck: true,
    noEmit: true,
  });
  const names = {
    public: exportedNames(program, path.join(src, entries.public.file)),
    internal: exportedNames(program, path.join(src, entries.internal.file)),
  };

  for (const entry of ['public', 'internal'] as const) {
    it(`${entry}: the names exported are those in api/${entry}.txt`, async () => {
      const runtime = entries[entry].runtime;
      // Every value the module has at run time is one the compiler listed (nothing untyped).
      for (const n of Object.keys(runtime)) expect(names[entry]).toContain(n);
      await expect(report(names[entry], runtime)).toMatchFileSnapshot(`../api/${entry}.txt`);
    });
  }

  it('a name lives in one entry only: internal holds nothing the public entry has', () => {
    const both = names.internal.filter((n) => names.public.includes(n));
    expect(both).toEqual([]);
  });
});
