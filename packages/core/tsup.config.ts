import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'testing/index': 'src/testing/index.ts',
    'bin/fanin-join': 'src/bin/fanin-join.ts',
  },
  format: ['esm', 'cjs'],
  dts: {
    entry: { index: 'src/index.ts', 'testing/index': 'src/testing/index.ts' },
    compilerOptions: { composite: false },
  },
  clean: true,
  target: 'node20',
  sourcemap: true,
});
