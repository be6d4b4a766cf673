// clientSecret as a provider, against the loopback token server: read lazily and kept, read again after
// clearCache(), once more after invalid_client (then the request goes once more if the value changed),
// a failing provider as invalid_client with status 0 and no request, one read for concurrent callers.
import { describe, expect, it } from 'vitest';
import { memoryCache } from '../support/memory-cache.js';
import type { RecordedRequest, Step } from '../support/token-server.js';
import { rejectionOf, useTokenServer } from './fixtures.js';

const t = useTokenServer();

/** A vault whose value can be rotated, counting its reads; `fail` makes reads reject. */
function vault(initial: string) {
  const state = {
    value: initial,
    reads: 0,
    fail: undefined as Error | undefined,
    read: async (): Promise<string> => {
      state.reads++;
      await new Promise((resolve) => setTimeout(resolve, 2));
      if (state.fail) throw state.fail;
      return state.value;
    },
  };
  return state;
}

/** The server accepts only `accepted()` as the secret (post or basic), like a server after a rotation. */
function acceptOnly(accepted: () => string, extra: Step = {}) {
  t.server.setDefault((request: RecordedRequest) => {
    const basic = String(request.headers.authorization ?? '');
    const sent = basic.startsWith('Basic ')
      ? decodeURIComponent(atob(basic.slice(6)).split(':')[1] ?? '')
      : request.form.client_secret;
    return sent === accepted() ? extra : { status: 401, body: { error: 'invalid_client' } };
  });
}

const secretsSent = () => t.server.requests.map((request) => request.form.client_secret);

describe('clientSecret provider', () => {
  it('is read on the first token request, not at construction, and kept', async () => {
    const secrets = vault('s-1');
    const m2m = t.client({ clientSecret: secrets.read });
    expect(secrets.reads).toBe(0);
    await m2m.getToken();
    await m2m.getToken({ forceRefresh: true });
    await m2m.getToken({ scopes: ['other:read'] });
    expect(secrets.reads).toBe(1);
    expect(secretsSent()).toEqual(['s-1', 's-1', 's-1']);
  });

  it("is read again after clearCache(): the guide's rotation flow", async () => {
    const secrets = vault('before');
    acceptOnly(() => secrets.value);
    const m2m = t.client({ clientSecret: secrets.read });
    await m2m.getToken();
    secrets.value = 'after'; // rotated, stored in the vault...
    m2m.clearCache(); // ...then the cache cleared "to use new credentials"
    await m2m.getToken();
    expect(secretsSent()).toEqual(['before', 'after']);
    expect(secrets.reads).toBe(2);
  });

  it('after invalid_client, is read once more and the request sent once more with the new value', async () => {
    const secrets = vault('old');
    const attempts: number[] = [];
    const m2m = t.client({
      clientSecret: secrets.read,
      onTokenRequest: (info) => attempts.push(info.attempt),
    });
    await m2m.getToken();
    secrets.value = 'new'; // rotated elsewhere; this client was not told
    acceptOnly(() => 'new');
    const token = await m2m.getToken({ forceRefresh: true });
    expect(m2m.getCachedToken()).toEqual(token);
    expect(secretsSent()).toEqual(['old', 'old', 'new']);
    expect(secrets.reads).toBe(2);
    // onTokenRequest hears of the request sent once more as a further attempt.
    expect(attempts).toEqual([1, 1, 2]);
    // The new value is kept.
    await m2m.getToken({ forceRefresh: true });
    expect(secretsSent()).toEqual(['old', 'old', 'new', 'new']);
    expect(secrets.reads).toBe(2);
  });

  it("is not sent again when the value did not change: the server's invalid_client, one request", async () => {
    const secrets = vault('wrong');
    acceptOnly(() => 'right');
    const m2m = t.client({ clientSecret: secrets.read, retries: 3 });
    const error = await rejectionOf(m2m.getToken());
    expect(error).toMatchObject({ code: 'invalid_client', status: 401 });
    expect(t.server.requests).toHaveLength(1);
    expect(secrets.reads).toBe(2);
  });

  it('recovers once, never more: a refused new value is final', async () => {
    const secrets = vault('v1');
    acceptOnly(() => 'never');
    const m2m = t.client({ clientSecret: async () => `v${++secrets.reads}`, retries: 3 });
    const error = await rejectionOf(m2m.getToken());
    expect(error).toMatchObject({ code: 'invalid_client', status: 401 });
    expect(secretsSent()).toEqual(['v1', 'v2']);
    expect(secrets.reads).toBe(2);
  });

  it('a string secret refused is final: no second request', async () => {
    acceptOnly(() => 'never');
    const error = await rejectionOf(t.client({ retries: 3 }).getToken());
    expect(error.status).toBe(401);
    expect(t.server.requests).toHaveLength(1);
  });

  it.each([
    [
      'throws',
      () => {
        throw new Error('vault sealed');
      },
    ],
    ['rejects', () => Promise.reject(new Error('vault sealed'))],
  ])(
    'that %s: invalid_client, status 0, its error as cause, no request, not retried',
    async (_how, provider) => {
      let reads = 0;
      const attempts: number[] = [];
      const m2m = t.client({
        clientSecret: () => {
          reads++;
          return provider();
        },
        retries: 3,
        retryStrategy: { shouldRetry: () => true, getDelay: () => 0 },
        onTokenRequest: (info) => attempts.push(info.attempt),
      });
      const error = await rejectionOf(m2m.getToken());
      expect(error).toMatchObject({ code: 'invalid_client', status: 0 });
      expect(error.cause?.message).toBe('vault sealed');
      expect(error.message).toMatch(/clientSecret provider/);
      expect(reads).toBe(1);
      expect(attempts).toEqual([]);
      expect(t.server.requests).toHaveLength(0);
      // The next request reads again: a failure is not kept.
      await expect(m2m.getToken()).rejects.toMatchObject({ status: 0 });
      expect(reads).toBe(2);
    },
  );

  it('a provider failing on the re-read after invalid_client: its error, and no second request', async () => {
    const secrets = vault('old');
    const m2m = t.client({ clientSecret: secrets.read });
    await m2m.getToken();
    acceptOnly(() => 'new');
    secrets.fail = new Error('vault sealed');
    const error = await rejectionOf(m2m.getToken({ forceRefresh: true }));
    expect(error).toMatchObject({ code: 'invalid_client', status: 0 });
    expect(error.cause?.message).toBe('vault sealed');
    expect(t.server.requests).toHaveLength(2);
  });

  it('concurrent callers share one read, also across scope sets', async () => {
    const secrets = vault('s-1');
    const m2m = t.client({ clientSecret: secrets.read });
    await Promise.all([
      ...Array.from({ length: 20 }, () => m2m.getToken()),
      ...Array.from({ length: 20 }, (_, i) => m2m.getToken({ scopes: [`scope:${i}`] })),
    ]);
    expect(secrets.reads).toBe(1);
    expect(t.server.requests).toHaveLength(21);
  });

  it('callers refused together share one re-read and recover together', async () => {
    const secrets = vault('old');
    const m2m = t.client({ clientSecret: secrets.read });
    await m2m.getToken({ scopes: ['warm:up'] });
    secrets.value = 'new';
    acceptOnly(() => 'new', { delayMs: 20 });
    await Promise.all(Array.from({ length: 5 }, (_, i) => m2m.getToken({ scopes: [`scope:${i}`] })));
    expect(secrets.reads).toBe(2);
    expect(secretsSent().slice(1).sort()).toEqual([...Array(5).fill('new'), ...Array(5).fill('old')]);
  });

  it('revokeToken() authenticates with the provider, and recovers from a rotation the same way', async () => {
    const secrets = vault('old');
    const m2m = t.client({ clientSecret: secrets.read, authMethod: 'client_secret_basic' });
    await m2m.getToken();
    secrets.value = 'new';
    acceptOnly(() => 'new', { status: 200, body: '' });
    await m2m.revokeToken();
    const revocations = t.server.requests.filter((request) => request.path === '/oauth2/revoke');
    expect(revocations.map((r) => atob(String(r.headers.authorization).slice(6)))).toEqual([
      'svc:old',
      'svc:new',
    ]);
    expect(m2m.getCachedToken()).toBeNull();
  });

  it('the shared-cache key follows the value: a rotated secret misses', async () => {
    const secrets = vault('old');
    const cache = memoryCache();
    const store = cache.tokens;
    const first = t.client({ clientSecret: secrets.read, cache });
    await first.getToken();
    expect(store.size).toBe(1);
    // Another process with the same secret takes the shared token.
    await t.client({ clientSecret: secrets.read, cache }).getToken();
    expect(t.server.requests).toHaveLength(1);
    secrets.value = 'new';
    // One that reads the new secret misses, and publishes under its own key.
    await t.client({ clientSecret: secrets.read, cache }).getToken();
    expect(t.server.requests).toHaveLength(2);
    expect(store.size).toBe(2);
    for (const key of store.keys()) expect(key).not.toMatch(/old|new/);
    // The first one recovers from a refusal and publishes under the new key, not the old one.
    acceptOnly(() => 'new');
    store.clear();
    await first.getToken({ forceRefresh: true });
    expect([...store.keys()]).toHaveLength(1);
    await t.client({ clientSecret: async () => 'new', cache }).getToken();
    expect(t.server.requests).toHaveLength(4);
  });
});
