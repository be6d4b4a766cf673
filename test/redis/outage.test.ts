// Redis down, slow or back again: token acquisition never fails, faults are reported, sharing resumes.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type M2MCacheError, M2MClient, type M2MTokenCache, type M2MTokenResponse } from '../../src/index.js';
import { createRedisTokenCache } from '../../src/redis/index.js';
import { type RedisServer, startRedis } from '../support/redis.js';
import { type ConnectedRedis, connectRedis, REDIS_LIBRARIES } from '../support/redis-clients.js';
import { startTokenServer, type TokenServer } from '../support/token-server.js';

let redis: RedisServer;
let server: TokenServer;
const connections: ConnectedRedis[] = [];
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
  redis = await startRedis();
  process.on('unhandledRejection', onUnhandled);
});
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await redis?.close();
});
beforeEach(async () => {
  server = await startTokenServer();
});
afterEach(async () => {
  await Promise.all(connections.splice(0).map((connection) => connection.close()));
  await server.close();
  if (!redis.pid) await redis.restart();
});

function valid(token: M2MTokenResponse): boolean {
  return (
    token.access_token.startsWith('access-') &&
    Date.now() < ((token.issued_at ?? 0) + token.expires_in) * 1000
  );
}

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
  if (!condition()) throw new Error(`${what}: not within 10 s`);
}

/** An M2MClient on the Redis cache that collects its cache fault reports. */
function replica(connection: ConnectedRedis, prefix: string, cacheErrors: M2MCacheError[]): M2MClient {
  return new M2MClient({
    url: server.url,
    clientId: 'svc',
    clientSecret: 's3cret',
    retries: 0,
    cache: createRedisTokenCache(connection.client, { prefix }),
    onCacheError: (error) => cacheErrors.push(error),
  });
}

describe.each(REDIS_LIBRARIES)('with %s', (library) => {
  it('serves every call while Redis is stopped mid-run, and shares again after it restarts', async () => {
    const timersBefore = activeTimers();
    const cacheErrors: M2MCacheError[] = [];
    const first = await connectRedis(library, redis.port);
    const second = await connectRedis(library, redis.port);
    connections.push(first, second);
    const client = (connection: ConnectedRedis) => replica(connection, `outage:${library}:`, cacheErrors);

    // Up: the second replica takes the first one's token from Redis.
    const a = client(first);
    const b = client(second);
    const shared = await a.getToken();
    expect((await b.getToken()).access_token).toBe(shared.access_token);
    expect(server.requests).toHaveLength(1);
    expect(cacheErrors).toEqual([]);

    // Stopped while a lock holder is fetching: it still gets, and hands out, its token.
    server.enqueue({ delayMs: 300 });
    const inFlight = Promise.all(Array.from({ length: 20 }, () => a.getToken({ scopes: ['mid-run'] })));
    await waitFor(() => server.requests.length === 2, 'the lock holder fetches');
    await redis.stop();
    const midRun = await inFlight;
    expect(midRun.every(valid)).toBe(true);
    expect(new Set(midRun.map((token) => token.access_token)).size).toBe(1);

    // Down: held tokens are served from memory; cold callers and forced refreshes fetch for themselves.
    expect((await a.getToken()).access_token).toBe(shared.access_token);
    const c = client(first);
    const cold = await Promise.all(Array.from({ length: 50 }, () => c.getToken()));
    expect(cold.every(valid)).toBe(true);
    expect(new Set(cold.map((token) => token.access_token)).size).toBe(1);
    expect(valid(await b.getToken({ forceRefresh: true }))).toBe(true);
    expect(cacheErrors.length).toBeGreaterThan(0);
    expect(cacheErrors.every((report) => report.error instanceof Error)).toBe(true);

    // Back: once the clients have reconnected, a new token is shared again.
    await redis.restart();
    await waitFor(() => first.ready() && second.ready(), 'both clients reconnect');
    const requestsBefore = server.requests.length;
    const afterRestart = await client(first).getToken({ scopes: ['after-restart'] });
    expect((await client(second).getToken({ scopes: ['after-restart'] })).access_token).toBe(
      afterRestart.access_token,
    );
    expect(server.requests.length).toBe(requestsBefore + 1);

    await Promise.all(connections.splice(0).map((connection) => connection.close()));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(unhandled).toEqual([]);
    expect(activeTimers()).toBeLessThanOrEqual(timersBefore);
  });

  it('goes on at once, without waiting for cache timeouts, while the client reconnects', async () => {
    const connection = await connectRedis(library, redis.port);
    connections.push(connection);
    await redis.stop();
    await waitFor(() => !connection.ready(), 'the client notices');
    const cacheErrors: M2MCacheError[] = [];
    const m2m = replica(connection, '', cacheErrors);
    const tokens = await Promise.all(Array.from({ length: 10 }, () => m2m.getToken()));
    expect(tokens.every(valid)).toBe(true);
    expect(server.requests).toHaveLength(1);
    expect(cacheErrors.map((report) => report.operation)).toEqual(['get', 'lock', 'set']);
    expect(cacheErrors[0]?.error.message).toMatch(/Redis connection is/);
  });
});

it('goes on without a hung Redis (commands unanswered) and shares again once it answers', async () => {
  const first = await connectRedis('node-redis', redis.port);
  const second = await connectRedis('ioredis', redis.port);
  connections.push(first, second);
  const cacheErrors: M2MCacheError[] = [];
  const client = (connection: ConnectedRedis) => replica(connection, 'hung:', cacheErrors);

  redis.pause();
  try {
    const tokens = await Promise.all([client(first).getToken(), client(second).getToken()]);
    expect(tokens.every(valid)).toBe(true);
    expect(cacheErrors.length).toBeGreaterThan(0);
    expect(cacheErrors.every((report) => /timed out after 1000 ms/.test(report.error.message))).toBe(true);
  } finally {
    redis.resume();
  }

  const requestsBefore = server.requests.length;
  const resumed = await client(first).getToken({ scopes: ['resumed'] });
  expect((await client(second).getToken({ scopes: ['resumed'] })).access_token).toBe(resumed.access_token);
  expect(server.requests.length).toBe(requestsBefore + 1);
  expect(unhandled).toEqual([]);
});

it('does not hold a token back when releasing the lock hangs', async () => {
  const connection = await connectRedis('ioredis', redis.port);
  connections.push(connection);
  const redisCache = createRedisTokenCache(connection.client, { prefix: 'hang:' });
  const cacheErrors: M2MCacheError[] = [];
  const hangingRelease: M2MTokenCache = {
    get: (key) => redisCache.get(key),
    set: (key, token, ttl) => redisCache.set(key, token, ttl),
    delete: (key) => redisCache.delete(key),
    lock: async (key, ttlMs) => {
      const release = await redisCache.lock?.(key, ttlMs);
      return release ? () => new Promise<void>(() => undefined) : null;
    },
  };
  const m2m = new M2MClient({
    url: server.url,
    clientId: 'svc',
    clientSecret: 's3cret',
    cache: hangingRelease,
    onCacheError: (error) => cacheErrors.push(error),
  });
  const token = await m2m.getToken();
  expect(valid(token)).toBe(true);
  expect(cacheErrors.map((report) => report.operation)).toEqual(['lock']);
  expect(cacheErrors[0]?.error.message).toMatch(/timed out/);
});

function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;
}
