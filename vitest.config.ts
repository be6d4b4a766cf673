import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The redis-server of the Redis tests, installed once when missing and possible; one Prism mock of
    // openapi/ for all contract tests (its URL reaches them through inject('prismUrl')).
    globalSetup: ['test/support/redis.global.ts', 'test/contract/prism.global.ts'],
  },
});
