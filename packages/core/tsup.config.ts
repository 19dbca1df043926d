import { defineConfig } from 'tsup';
import { packageConfig, sharedOptions } from '../../tsup.base.mjs';

export default defineConfig(
  packageConfig({
    entry: {
      index: 'src/index.ts',
      internal: 'src/internal.ts',
      'testing/index': 'src/testing/index.ts',
      'bin/fanin-join': 'src/bin/fanin-join.ts',
    },
    // One copy of each module for the CJS entries too (tsup splits only ESM by default): else
    // `@fanin/core/internal` and `@fanin/core/testing` would each hold their own FaninError, and
    // `instanceof` would fail across the entries (test/dual-package.test.ts).
    splitting: true,
    // Rollup, not sucrase, then turns the split chunks into CJS: tsup's sucrase pass also
    // lowered every `?.` and `??` into helper calls that allocate arrays and closures (66 of
    // them on the write path), a cost paid by every CJS user (log4js, require()).
    treeshake: true,
    // The bin needs no types; the three library entries do.
    dts: {
      ...sharedOptions.dts,
      entry: {
        index: 'src/index.ts',
        internal: 'src/internal.ts',
        'testing/index': 'src/testing/index.ts',
      },
    },
  }),
);
