import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  // require() of the ESM-only dependencies would fail in the CJS build, so they are bundled.
  noExternal: ['openapi-fetch', 'p-retry', 'jose', 'is-network-error'],
});
