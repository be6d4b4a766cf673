import { defineConfig } from 'tsup';

// require() of the ESM-only dependencies would fail in the CJS build, so they are bundled.
const noExternal = ['openapi-fetch', 'p-retry', 'jose', 'is-network-error'];

export default defineConfig([
  {
    // The CLI's and the verifier's builds below write into the same folder at the same time, so no
    // build cleans it (`npm run build` empties dist/ first): tsup's declaration build removes every
    // .d.ts of the folder when `clean` is set, the verifier's too when that one was done first.
    entry: { index: 'src/index.ts', redis: 'src/redis/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    clean: false,
    sourcemap: true,
    target: 'node20',
    noExternal,
  },
  {
    // @passflow/core/verify, built on its own: no chunk is shared with the client, so the client's
    // bundle stays what it was and a resource server loads the verifier alone.
    entry: { verify: 'src/verify/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    clean: false,
    sourcemap: true,
    target: 'node20',
    noExternal,
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
