import type { Options } from 'tsup';

/** Options every package build shares: ESM + CJS + types, node20, sourcemaps, clean dist. */
export declare const sharedOptions: Omit<Options, 'dts'> & {
  dts: { compilerOptions: { composite: false } };
};
/** The build of one package: `src/index.ts` plus the shared options, then `overrides`. */
export declare function packageConfig(overrides?: Options): Options;
