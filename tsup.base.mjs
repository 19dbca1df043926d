// One build shape for every package: ESM for `import`, CJS because log4js loads appenders with
// `require`, and types for both. Each package's tsup.config.ts spreads this and adds only what is
// its own (extra entries, shims).

/** Options every package build shares. */
export const sharedOptions = {
  format: ['esm', 'cjs'],
  // tsup's dts pass runs its own program; project references' `composite` would ask for
  // a tsbuildinfo it does not write.
  dts: { compilerOptions: { composite: false } },
  clean: true,
  target: 'node20',
  // No source maps: they pointed at src/*.ts, which the packages do not ship, and were ~60% of
  // the unpacked size (#18).
  sourcemap: false,
};

/**
 * The build of one package: `src/index.ts` as `dist/index.{js,cjs,d.ts,d.cts}` unless
 * `overrides` says otherwise.
 */
export function packageConfig(overrides = {}) {
  return { entry: { index: 'src/index.ts' }, ...sharedOptions, ...overrides };
}
