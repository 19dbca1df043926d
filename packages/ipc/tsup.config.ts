import { defineConfig } from 'tsup';
import { packageConfig } from '../../tsup.base.mjs';

// import.meta.url (the lazy require of a `destination: { type }` package) in the CommonJS build.
export default defineConfig(packageConfig({ shims: true }));
