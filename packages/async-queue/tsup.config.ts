import { defineConfig } from 'tsup';
import { packageConfig } from '../../tsup.base.mjs';

export default defineConfig([
  // __dirname in the ESM build: the worker file is found beside this one. `./pino` is the
  // pino.transport() target module.
  packageConfig({ shims: true, entry: { index: 'src/index.ts', pino: 'src/pino.ts' } }),
  {
    // The writer thread's entry: always CommonJS, loaded by path from either build.
    entry: { 'queue-worker': 'src/queue-worker.ts' },
    format: ['cjs'],
    target: 'node20',
    // import.meta.url (the lazy require of @fanin/locked-file) in this CommonJS build.
    shims: true,
  },
]);
