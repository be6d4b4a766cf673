import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { M2MTokenCache, M2MTokenResponse } from '../../src/index.js';
import { createRedisTokenCache } from '../../src/redis/index.js';
import { type RedisServer, startRedis } from '../support/redis.js';
import { type ConnectedRedis, connectRedis, REDIS_LIBRARIES } from '../support/redis-clients.js';

const token: M2MTokenResponse = {
  access_token: 'access-adapter-1',
  token_type: 'Bearer',
  expires_in: 3600,
  scope: 'users:read',
  issued_at: 1_700_000_000,
};

let server: RedisServer;
/** Looks at the raw keys, independently of the client under test. */
let inspector: Redis;

beforeAll(async () => {
  server = await startRedis();
  inspector = new Redis({ host: '127.0.0.1', port: server.port });
});
afterAll(async () => {
  inspector?.disconnect();
  await server?.close();
});

describe.each(REDIS_LIBRARIES)('createRedisTokenCache with %s', (library) => {
  let redis: ConnectedRedis;
  let cache: M2MTokenCache;
  const prefix = `test:${library}:`;

  beforeAll(async () => {
    redis = await connectRedis(library, server.port);
    cache = createRedisTokenCache(redis.client, { prefix });
  });
  afterEach(async () => {
    await inspector.flushall();
  });
  afterAll(async () => {
    await redis?.close();
  });

  it('stores a token as JSON under {prefix}{key} with the given TTL, reads and deletes it', async () => {
    expect(await cache.get('k1')).toBeNull();
    await cache.set('k1', token, 30);
    expect(await cache.get('k1')).toEqual(token);
    expect(await inspector.keys('*')).toEqual([`${prefix}{k1}`]);
    expect(JSON.parse((await inspector.get(`${prefix}{k1}`)) ?? '')).toEqual(token);
    const ttl = await inspector.pttl(`${prefix}{k1}`);
    expect(ttl).toBeGreaterThan(28_000);
    expect(ttl).toBeLessThanOrEqual(30_000);
    await cache.delete('k1');
    expect(await cache.get('k1')).toBeNull();
    expect(await inspector.exists(`${prefix}{k1}`)).toBe(0);
  });

  it('lets a stored token expire with its TTL', async () => {
    await cache.set('short', token, 0.05);
    expect(await inspector.pttl(`${prefix}{short}`)).toBeLessThanOrEqual(50);
    await waitUntil(async () => (await cache.get('short')) === null);
    expect(await inspector.exists(`${prefix}{short}`)).toBe(0);
  });

  it('overwrites a token on set', async () => {
    await cache.set('k2', token, 30);
    await cache.set('k2', { ...token, access_token: 'access-adapter-2' }, 30);
    expect((await cache.get('k2'))?.access_token).toBe('access-adapter-2');
  });

  it('gives the lock to one owner at a time, with a TTL, next to the token key', async () => {
    const lock = cache.lock?.bind(cache);
    if (!lock) throw new Error('the Redis cache must offer a lock');
    const release = await lock('k3', 5000);
    expect(release).toBeTypeOf('function');
    expect(await lock('k3', 5000)).toBeNull();
    expect(await lock('other', 5000)).toBeTypeOf('function');

    const lockKey = `${prefix}{k3}:lock`;
    const ttl = await inspector.pttl(lockKey);
    expect(ttl).toBeGreaterThan(3000);
    expect(ttl).toBeLessThanOrEqual(5000);
    expect(await inspector.get(lockKey)).toMatch(/^[0-9a-f-]{36}$/);

    await release?.();
    expect(await inspector.exists(lockKey)).toBe(0);
    const again = await lock('k3', 5000);
    expect(again).toBeTypeOf('function');
    await again?.();
  });

  it('releases a lock only for its owner: an expired holder cannot free its successor', async () => {
    const lock = cache.lock?.bind(cache);
    if (!lock) throw new Error('the Redis cache must offer a lock');
    const lockKey = `${prefix}{k4}:lock`;
    const first = await lock('k4', 50);
    expect(first).toBeTypeOf('function');
    await waitUntil(async () => (await inspector.exists(lockKey)) === 0);
    const second = await lock('k4', 5000);
    expect(second).toBeTypeOf('function');
    const successor = await inspector.get(lockKey);

    await first?.();
    expect(await inspector.get(lockKey)).toBe(successor);
    expect(await lock('k4', 5000)).toBeNull();
    await second?.();
    expect(await inspector.exists(lockKey)).toBe(0);
  });

  it('extends a lock only for its owner: a holder that lost it cannot lengthen its successor', async () => {
    const lock = cache.lock?.bind(cache);
    if (!lock) throw new Error('the Redis cache must offer a lock');
    const lockKey = `${prefix}{k5}:lock`;
    const first = await lock('k5', 200);
    expect(first?.extend).toBeTypeOf('function');
    expect(await first?.extend?.(5000)).toBe(true);
    expect(await inspector.pttl(lockKey)).toBeGreaterThan(3000);

    await inspector.pexpire(lockKey, 1);
    await waitUntil(async () => (await inspector.exists(lockKey)) === 0);
    const second = await lock('k5', 300);
    expect(await first?.extend?.(60_000)).toBe(false);
    expect(await inspector.pttl(lockKey)).toBeLessThanOrEqual(300);
    await second?.();
  });

  it('puts a token and its lock under one Redis Cluster hash tag', async () => {
    const key = 'passflow:m2m:svc:abc_DEF-123';
    await cache.set(key, token, 30);
    const release = await cache.lock?.(key, 5000);
    const keys = (await inspector.keys('*')).sort();
    expect(keys).toEqual([`${prefix}{${key}}`, `${prefix}{${key}}:lock`]);
    expect(new Set(keys.map(hashTag))).toEqual(new Set([key]));
    await release?.();
  });

  it('keeps caches with different prefixes apart', async () => {
    const other = createRedisTokenCache(redis.client, { prefix: 'elsewhere:' });
    await cache.set('shared-key', token, 30);
    expect(await other.get('shared-key')).toBeNull();
    await other.set('shared-key', { ...token, access_token: 'access-elsewhere' }, 30);
    expect((await cache.get('shared-key'))?.access_token).toBe(token.access_token);
    expect((await other.get('shared-key'))?.access_token).toBe('access-elsewhere');
    const unprefixed = createRedisTokenCache(redis.client);
    await unprefixed.set('plain', token, 30);
    expect(await inspector.exists('{plain}')).toBe(1);
  });

  it('rejects a prefix that would break the hash tag', () => {
    expect(() => createRedisTokenCache(redis.client, { prefix: 'app{1}:' })).toThrow(/prefix/);
  });
});

it('refuses something that is not a Redis client', () => {
  expect(() => createRedisTokenCache({} as never)).toThrow(/ioredis or node-redis/);
});

/** The Redis Cluster hash tag of a key: what lies between its first `{` and the next `}`. */
function hashTag(key: string): string {
  const open = key.indexOf('{');
  const close = key.indexOf('}', open + 1);
  return open >= 0 && close > open + 1 ? key.slice(open + 1, close) : key;
}

async function waitUntil(condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('condition not met within 2 s');
}
