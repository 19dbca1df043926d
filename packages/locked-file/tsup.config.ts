import { defineConfig } from 'tsup';
import { packageConfig } from '../../tsup.base.mjs';

// `./pino` is the pino.transport() target module.
export default defineConfig(
  packageConfig({ entry: { index: 'src/index.ts', pino: 'src/pino.ts' } }),
);
