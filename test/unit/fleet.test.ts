// The cross-process protocol over a shared cache with a lock, several "processes" (Fleet instances)
// over one in-memory cache: one fetch per key, a dead or slow holder, forced refreshes, clears.
import { describe, expect, it, vi } from 'vitest';
import { type FetchToken, Fleet, type FleetSettings } from '../../src/client/fleet.js';
import { expiresAtOf } from '../../src/client/lifetime.js';
import { SharedCache } from '../../src/client/shared-cache.js';
import type { M2MCacheError, M2MTokenCache, M2MTokenResponse } from '../../src/index.js';
import { type MemoryCache, memoryCache } from '../support/memory-cache.js';

const LOCK_TTL_MS = 150;
const KEY = 'request';
const SHARED_KEY = `shared:${KEY}`;

function process(
  cache: M2MTokenCache,
  settings: Partial<FleetSettings> = {},
  onError?: (e: M2MCacheError) => void,
) {
  return new Fleet(new SharedCache(cache, onError), {
    keyOf: async (requestKey) => `shared:${requestKey}`,
    sharedUntil: expiresAtOf,
    lockTtlMs: LOCK_TTL_MS,
    longestFetchMs: 2000,
    ...settings,
  });
}

function token(name: string, issuedAt = Math.floor(Date.now() / 1000), expiresIn = 3600): M2MTokenResponse {
  return { access_token: name, token_type: 'Bearer', expires_in: expiresIn, issued_at: issuedAt };
}

/** A fetch that takes `ms` and resolves to a token named `name` (or rejects), counting its calls. */
function fetcher(name: string, ms = 30, fail = false) {
  const fetch = vi.fn<FetchToken>(async () => {
    await sleep(ms);
    if (fail) throw new Error(`${name} failed`);
    return token(name);
  });
  return fetch;
}

const always = () => true;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('fleet: processes sharing a cache with a lock', () => {
  it('makes one fetch when processes miss together: the others wait for the holder to publish', async () => {
    const cache = memoryCache();
    const fetches = ['a', 'b', 'c', 'd'].map((name) => fetcher(name, 80));
    const tokens = await Promise.all(
      fetches.map((fetch) => process(cache).obtain(KEY, false, fetch, always)),
    );
    expect(fetches.reduce((calls, fetch) => calls + fetch.mock.calls.length, 0)).toBe(1);
    expect(new Set(tokens.map((t) => t.access_token)).size).toBe(1);
    expect(cache.tokens.get(SHARED_KEY)?.token).toEqual(tokens[0]);
    expect(cache.isLocked(SHARED_KEY)).toBe(false);
  });

  it("takes a peer's token until it is due for renewal, and fetches once it is", async () => {
    const cache = memoryCache();
    await cache.set(SHARED_KEY, token('peer'), 3600);
    const fetch = fetcher('own');
    expect((await process(cache).obtain(KEY, false, fetch, always)).access_token).toBe('peer');
    expect(fetch).not.toHaveBeenCalled();

    const due = process(cache, { sharedUntil: () => Date.now() - 1 });
    expect((await due.obtain(KEY, false, fetch, always)).access_token).toBe('own');
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it('publishes with a TTL that ends when the token is due for renewal', async () => {
    const cache = memoryCache();
    const fleet = process(cache, { sharedUntil: (t) => expiresAtOf(t) - 600_000 });
    await fleet.obtain(KEY, false, fetcher('own'), always);
    const ttl = cache.tokens.get(SHARED_KEY)?.ttlSeconds ?? 0;
    expect(ttl).toBeGreaterThanOrEqual(2998);
    expect(ttl).toBeLessThanOrEqual(3000);
  });

  it('a holder that dies keeps the others back until its lock lapses: then one takes it over', async () => {
    const cache = memoryCache();
    // A process took the lock and died: it never publishes, releases or extends.
    expect(await cache.lock?.(SHARED_KEY, LOCK_TTL_MS)).toBeTypeOf('function');
    const started = Date.now();
    const fetch = fetcher('survivor');
    const got = await process(cache).obtain(KEY, false, fetch, always);
    expect(got.access_token).toBe('survivor');
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(LOCK_TTL_MS - 5);
    expect(cache.lockLog).toHaveLength(2);
    expect(cache.tokens.get(SHARED_KEY)?.token).toEqual(got);
  });

  it('a live holder extends its lock while its fetch outlasts the TTL: the others still wait', async () => {
    const cache = memoryCache();
    const slow = fetcher('slow', 4 * LOCK_TTL_MS);
    const holder = process(cache).obtain(KEY, false, slow, always);
    await sleep(20);
    const other = fetcher('other');
    const waiter = process(cache).obtain(KEY, false, other, always);
    const [held, waited] = await Promise.all([holder, waiter]);
    expect(waited).toEqual(held);
    expect(slow).toHaveBeenCalledTimes(1);
    expect(other).not.toHaveBeenCalled();
    expect(cache.lockLog).toHaveLength(1);
  });

  it('the lock of a slow holder that cannot extend it lapses: another process takes it and fetches', async () => {
    const cache = memoryCache({ extendable: false });
    const slow = fetcher('slow', 4 * LOCK_TTL_MS);
    const holder = process(cache).obtain(KEY, false, slow, always);
    await sleep(20);
    const other = fetcher('other');
    const waited = await process(cache).obtain(KEY, false, other, always);
    expect(waited.access_token).toBe('other');
    expect(other).toHaveBeenCalledTimes(1);
    expect((await holder).access_token).toBe('slow');
    expect(cache.lockLog).toHaveLength(2);
  });

  it('a holder whose fetch fails releases the lock without a token: a waiter takes it and fetches', async () => {
    const cache = memoryCache();
    const failing = fetcher('failing', 60, true);
    const holder = process(cache).obtain(KEY, false, failing, always);
    await sleep(10);
    const other = fetcher('other');
    const waiter = process(cache).obtain(KEY, false, other, always);
    await expect(holder).rejects.toThrow('failing failed');
    expect((await waiter).access_token).toBe('other');
    expect(other).toHaveBeenCalledTimes(1);
  });
});

describe('fleet: forced refresh', () => {
  it('fetches even when the shared cache holds a usable token', async () => {
    const cache = memoryCache();
    await cache.set(SHARED_KEY, token('cached'), 3600);
    const fetch = fetcher('forced');
    expect((await process(cache).obtain(KEY, true, fetch, always)).access_token).toBe('forced');
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(cache.tokens.get(SHARED_KEY)?.token.access_token).toBe('forced');
  });

  it('waiting for another holder, takes only a token issued after it began, not the older one', async () => {
    const cache = memoryCache();
    await cache.set(SHARED_KEY, token('old', Math.floor(Date.now() / 1000) - 100), 3600);
    const release = await cache.lock?.(SHARED_KEY, 10 * LOCK_TTL_MS);
    const fetch = fetcher('own');
    const forced = process(cache).obtain(KEY, true, fetch, always);
    await sleep(120);
    // The other holder publishes its new token and releases its lock.
    await cache.set(SHARED_KEY, token('newer'), 3600);
    await release?.();
    expect((await forced).access_token).toBe('newer');
    expect(fetch).not.toHaveBeenCalled();
  });
});

describe('fleet: clears and faults', () => {
  it('a clear during the fetch: the token is returned to its flight but not published', async () => {
    for (const cache of [memoryCache(), withoutLock(memoryCache())]) {
      let current = true;
      const fetch = vi.fn<FetchToken>(async () => {
        current = false;
        return token('stale');
      });
      const got = await process(cache).obtain(KEY, false, fetch, () => current);
      expect(got.access_token).toBe('stale');
      expect(await cache.get(SHARED_KEY)).toBeNull();
    }
  });

  it('clear() deletes every shared token the process used; forget() one', async () => {
    const cache = memoryCache();
    const fleet = process(cache);
    await fleet.obtain('one', false, fetcher('1'), always);
    await fleet.obtain('two', false, fetcher('2'), always);
    await fleet.obtain('three', false, fetcher('3'), always);
    fleet.forget('one');
    await vi.waitFor(() => expect([...cache.tokens.keys()]).toEqual(['shared:two', 'shared:three']));
    fleet.clear();
    await vi.waitFor(() => expect(cache.tokens.size).toBe(0));
  });

  it('a lock that fails counts as a miss: the process fetches by itself and reports it', async () => {
    const cache = memoryCache();
    cache.lock = async () => {
      throw new Error('lock broke');
    };
    const errors: M2MCacheError[] = [];
    const fetch = fetcher('own');
    const got = await process(cache, {}, (error) => errors.push(error)).obtain(KEY, false, fetch, always);
    expect(got.access_token).toBe('own');
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(errors.map((e) => [e.operation, e.error.message])).toEqual([['lock', 'lock broke']]);
    expect(cache.tokens.get(SHARED_KEY)?.token).toEqual(got);
  });

  it('without a lock every process that misses fetches, and publishes its token', async () => {
    const cache = withoutLock(memoryCache());
    const fetches = [fetcher('a'), fetcher('b')];
    await Promise.all(fetches.map((fetch) => process(cache).obtain(KEY, false, fetch, always)));
    expect(fetches.map((fetch) => fetch.mock.calls.length)).toEqual([1, 1]);
    expect(await cache.get(SHARED_KEY)).not.toBeNull();
  });
});

function withoutLock(cache: MemoryCache): MemoryCache {
  const { lock: _lock, ...rest } = cache;
  return rest;
}
