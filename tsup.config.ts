import { defineConfig } from 'tsup';

export default defineConfig([
  {
    // The CLI's build below writes cli.js into the same folder at the same time.
    entry: { index: 'src/index.ts', redis: 'src/redis/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    clean: ['!cli.js', '!cli.js.map'],
    sourcemap: true,
    target: 'node20',
    // require() of the ESM-only dependencies would fail in the CJS build, so they are bundled.
    noExternal: ['openapi-fetch', 'p-retry', 'jose', 'is-network-error'],
  },
  {
    // The `passflow-m2m` bin: ESM only, no declarations; its `#!/usr/bin/env node` line comes from
    // src/cli/index.ts (esbuild keeps an entry's hashbang, tsup makes such a file executable).
    entry: { cli: 'src/cli/index.ts' },
    format: ['esm'],
    dts: false,
    clean: false,
    sourcemap: true,
    target: 'node20',
  },
]);
