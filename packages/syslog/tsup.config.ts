import { defineConfig } from 'tsup';
import { packageConfig } from '../../tsup.base.mjs';

export default defineConfig([
  // `./pino` is the pino.transport() target module. __dirname in the ESM build: the shipper
  // thread's file is found beside this one.
  packageConfig({ shims: true, entry: { index: 'src/index.ts', pino: 'src/pino.ts' } }),
  {
    // The shipper thread's entry (whenFull 'block'): always CommonJS, loaded by path from either
    // build.
    entry: { 'ship-worker': 'src/ship-worker.ts' },
    format: ['cjs'],
    target: 'node20',
  },
]);
