import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // One Prism mock of openapi/ for all contract tests; its URL reaches them through inject('prismUrl').
    globalSetup: ['test/contract/prism.global.ts'],
  },
});
