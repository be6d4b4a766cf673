// Custom M2MTokenCache: documented signatures, ttl in seconds, faults treated as misses, and tokens
// shared between clients of one cache.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { M2MCacheError, M2MTokenCache, M2MTokenResponse } from '../../src/index.js';
import { tokenBody } from '../support/token-server.js';
import { settle, until, untilRequests, useTokenServer } from './fixtures.js';

const t = useTokenServer();

afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

/** An in-memory M2MTokenCache whose methods are spies. */
function memoryCache() {
  const store = new Map<string, M2MTokenResponse>();
  const cache = {
    store,
    get: vi.fn(async (key: string): Promise<M2MTokenResponse | null> => store.get(key) ?? null),
    set: vi.fn(async (key: string, token: M2MTokenResponse, _ttl: number): Promise<void> => {
      store.set(key, token);
    }),
    delete: vi.fn(async (key: string): Promise<void> => {
      store.delete(key);
    }),
  };
  return cache satisfies M2MTokenCache;
}

/** memoryCache() with the optional fetch lock, held in the same process. */
function lockingCache() {
  const locks = new Set<string>();
  return {
    ...memoryCache(),
    lock: async (key: string): Promise<(() => Promise<void>) | null> => {
      if (locks.has(key)) return null;
      locks.add(key);
      return async () => {
        locks.delete(key);
      };
    },
  } satisfies M2MTokenCache;
}

describe('a custom cache', () => {
  it('is called with the documented signatures: get(key), set(key, token, ttl seconds), delete(key)', async () => {
    const cache = memoryCache();
    t.server.enqueue({ body: tokenBody(3600) });
    const m2m = t.client({ cache });
    const token = await m2m.getToken();

    expect(cache.get).toHaveBeenCalledTimes(1);
    const [key] = cache.get.mock.calls[0] ?? [];
    expect(typeof key).toBe('string');
    expect(key).toMatch(/^passflow:m2m:svc:/);
    expect(cache.set).toHaveBeenCalledTimes(1);
    const [setKey, stored, ttl] = cache.set.mock.calls[0] ?? [];
    expect(setKey).toBe(key);
    expect(stored).toEqual(token);
    expect(stored?.issued_at).toBeTypeOf('number');
    expect(ttl).toBeGreaterThanOrEqual(3598);
    expect(ttl).toBeLessThanOrEqual(3600);
    expect(Number.isInteger(ttl)).toBe(true);

    // A hit in memory does not ask the cache again.
    await m2m.getToken();
    expect(cache.get).toHaveBeenCalledTimes(1);

    m2m.clearCache();
    await settle();
    expect(cache.delete).toHaveBeenCalledWith(key);
    expect(cache.store.size).toBe(0);
  });

  it('with autoRefresh the ttl ends when renewal is due, not at expiry', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const cache = memoryCache();
    t.server.enqueue({ body: tokenBody(3600) });
    await t.client({ cache, autoRefresh: true, refreshThreshold: 60 }).getToken();
    const ttl = cache.set.mock.calls[0]?.[2] ?? 0;
    expect(ttl).toBeGreaterThanOrEqual(3530);
    expect(ttl).toBeLessThanOrEqual(3540);
  });

  it('keeps one key per scope set', async () => {
    const cache = memoryCache();
    const m2m = t.client({ cache });
    await m2m.getToken({ scopes: ['a:read'] });
    await m2m.getToken({ scopes: ['b:read'] });
    await m2m.getToken({ scopes: ['a:read', 'a:read'] });
    expect(cache.store.size).toBe(2);
    expect(t.server.requests).toHaveLength(2);
  });

  it('serves a token written by another client sharing the cache: two clients, one request', async () => {
    const cache = memoryCache();
    const first = t.client({ cache, scopes: ['a:read'] });
    const second = t.client({ cache, scopes: ['a:read'] });
    const token = await first.getToken();
    const shared = await second.getToken();
    expect(shared.access_token).toBe(token.access_token);
    expect(second.getCachedToken()?.access_token).toBe(token.access_token);
    expect(t.server.requests).toHaveLength(1);
  });

  for (const locking of [false, true]) {
    it(`clearCache() during a fetch: its token is neither kept nor published, the next call fetches${locking ? ' (locking cache)' : ''}`, async () => {
      const cache = locking ? lockingCache() : memoryCache();
      t.server.enqueue({ body: tokenBody(3600), delayMs: 100 }, { body: tokenBody(3600) });
      const m2m = t.client({ cache });
      const before = m2m.getToken();
      await untilRequests(t.server, 1);
      m2m.clearCache();
      const first = await before;
      await settle();
      expect(cache.store.size).toBe(0);

      const after = await m2m.getToken();
      expect(after.access_token).not.toBe(first.access_token);
      expect(t.server.requests).toHaveLength(2);
      expect([...cache.store.values()].map((token) => token.access_token)).toEqual([after.access_token]);
    });
  }

  it('ignores a cached token that is expired, or malformed, and reports the malformed one', async () => {
    const errors: M2MCacheError[] = [];
    const cache = memoryCache();
    const m2m = t.client({ cache, onCacheError: (error) => errors.push(error) });
    await m2m.getToken();
    const [key] = [...cache.store.keys()];
    m2m.clearCache();
    await settle();

    const issuedLongAgo = Math.floor(Date.now() / 1000) - 7200;
    cache.store.set(String(key), { ...tokenBody(3600), issued_at: issuedLongAgo } as M2MTokenResponse);
    const fresh = await m2m.getToken();
    expect(fresh.issued_at).toBeGreaterThan(issuedLongAgo);
    expect(t.server.requests).toHaveLength(2);

    m2m.clearCache();
    await settle();
    cache.store.set(String(key), { access_token: 42 } as unknown as M2MTokenResponse);
    await m2m.getToken();
    expect(t.server.requests).toHaveLength(3);
    expect(errors.map((error) => error.operation)).toEqual(['get']);
  });

  it('a throwing cache is a miss: the token is still acquired and every fault reported', async () => {
    const errors: M2MCacheError[] = [];
    const boom = () => {
      throw new Error('cache is down');
    };
    const cache: M2MTokenCache = { get: boom, set: boom, delete: boom };
    const m2m = t.client({ cache, onCacheError: (error) => errors.push(error) });
    const token = await m2m.getToken();
    expect(token.access_token).toMatch(/^access-/);
    m2m.clearCache();
    await settle();
    expect(errors.map((error) => error.operation)).toEqual(['get', 'set', 'delete']);
    expect(errors.every((error) => error.error.message === 'cache is down')).toBe(true);
  });

  it('a rejecting cache, and a throwing onCacheError, are a miss too', async () => {
    const cache: M2MTokenCache = {
      get: () => Promise.reject(new Error('ECONNRESET')),
      set: () => Promise.reject(new Error('ECONNRESET')),
      delete: () => Promise.reject(new Error('ECONNRESET')),
    };
    const m2m = t.client({
      cache,
      onCacheError: () => {
        throw new Error('observer exploded');
      },
    });
    expect((await m2m.getToken()).access_token).toMatch(/^access-/);
  });

  it('a hanging cache is a miss after its timeout: the token is still acquired', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const errors: M2MCacheError[] = [];
    let calls = 0;
    const never = () => {
      calls++;
      return new Promise<never>(() => undefined);
    };
    const cache: M2MTokenCache = { get: never, set: never, delete: never };
    const m2m = t.client({ cache, timeout: 60_000, onCacheError: (error) => errors.push(error) });
    let token: M2MTokenResponse | undefined;
    const pending = m2m.getToken().then((value) => {
      token = value;
    });

    await until(() => calls >= 1, 'the cache is asked');
    vi.advanceTimersByTime(1000); // get times out
    await untilRequests(t.server, 1);
    await until(() => calls >= 2, 'the token is written to the cache');
    expect(token).toBeUndefined();
    vi.advanceTimersByTime(1000); // set times out
    await pending;
    expect(token?.access_token).toMatch(/^access-/);
    expect(errors.map((error) => [error.operation, error.error.message])).toEqual([
      ['get', 'cache get timed out after 1000 ms'],
      ['set', 'cache set timed out after 1000 ms'],
    ]);
  });
});
