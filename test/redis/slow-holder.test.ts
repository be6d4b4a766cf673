// A lock holder whose fetch outlasts the lock's TTL (the server rate-limits it, it waits and retries)
// keeps the lock alive: the other processes keep waiting for its token instead of fetching too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { M2MClient } from '../../src/index.js';
import { createRedisTokenCache } from '../../src/redis/index.js';
import { type RedisServer, startRedis } from '../support/redis.js';
import { connectRedis, REDIS_LIBRARIES } from '../support/redis-clients.js';
import { startTokenServer, tokenBody } from '../support/token-server.js';

let redis: RedisServer;

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.close();
});

describe.each(REDIS_LIBRARIES)('with %s', (library) => {
  it('a holder retrying past the lock TTL keeps the lock: 3 processes, 1 token fetch', async () => {
    const server = await startTokenServer();
    const connections = await Promise.all([1, 2, 3].map(() => connectRedis(library, redis.port)));
    try {
      // timeout 500 ms: the lock lives 2.5 s, and the holder's two 2 s Retry-After waits outlast it.
      const rateLimited = { status: 429, headers: { 'Retry-After': '2' }, body: { error: 'slow_down' } };
      server.enqueue(rateLimited, rateLimited, { body: tokenBody(3600) });
      const processes = connections.map(
        (connection) =>
          new M2MClient({
            url: server.url,
            clientId: 'svc',
            clientSecret: 'slow-holder-secret',
            timeout: 500,
            cache: createRedisTokenCache(connection.client, { prefix: `slow:${library}:` }),
          }),
      );
      const first = processes[0]?.getToken();
      await new Promise((resolve) => setTimeout(resolve, 100));
      const tokens = await Promise.all([first, ...processes.slice(1).map((client) => client.getToken())]);
      expect(server.requests).toHaveLength(3);
      expect(new Set(tokens.map((token) => token?.access_token)).size).toBe(1);
    } finally {
      await Promise.all(connections.map((connection) => connection.close()));
      await server.close();
    }
  }, 20_000);
});
