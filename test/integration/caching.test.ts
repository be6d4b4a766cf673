// Caching per scope/audience set, forceRefresh, single flight, expiry by the local clock, and the
// synchronous accessors, against the real loopback token server.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { M2MErrorCode } from '../../src/index.js';
import { tokenBody } from '../support/token-server.js';
import { rejectionOf, untilRequests, useTokenServer } from './fixtures.js';

const t = useTokenServer();
const START = new Date('2030-01-01T00:00:00.000Z');

/** A JWT-shaped token (unsigned: the client never verifies signatures) with the given claims. */
function jwtWithClaims(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'HS256', typ: 'at+jwt' })}.${part(claims)}.c2lnbmF0dXJl`;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('caching per scope and audience set', () => {
  it('serves the cached token for equal sets whatever their order or duplicates', async () => {
    const m2m = t.client({ scopes: ['b:read', 'a:write'], audience: ['https://y.test', 'https://x.test'] });
    const first = await m2m.getToken();
    const reordered = await m2m.getToken({
      scopes: ['a:write', 'b:read', 'a:write'],
      audience: ['https://x.test', 'https://y.test', 'https://x.test'],
    });
    expect(reordered).toBe(first);
    expect(await m2m.getValidToken()).toBe(first);
    expect(t.server.requests).toHaveLength(1);
    expect(t.server.requests[0]?.form.scope).toBe('a:write b:read');
    expect(t.server.requests[0]?.form.audience).toBe('https://x.test https://y.test');
  });

  it('never shares a token between different scope or audience sets', async () => {
    const m2m = t.client({ scopes: ['a:read'] });
    const base = await m2m.getToken();
    const wider = await m2m.getToken({ scopes: ['a:read', 'b:read'] });
    const none = await m2m.getToken({ scopes: [] });
    const aimed = await m2m.getToken({ audience: ['https://api.test'] });
    const tokens = [base, wider, none, aimed].map((token) => token.access_token);
    expect(new Set(tokens).size).toBe(4);
    expect(t.server.requests.map((request) => request.form.scope)).toEqual([
      'a:read',
      'a:read b:read',
      undefined,
      'a:read',
    ]);
    expect(t.server.requests[3]?.form.audience).toBe('https://api.test');
    // Each set keeps its own token.
    expect(await m2m.getToken({ scopes: ['b:read', 'a:read'] })).toBe(wider);
    expect(await m2m.getToken()).toBe(base);
    expect(t.server.requests).toHaveLength(4);
  });

  it('never mutates the arrays the user passes', async () => {
    const scopes = Object.freeze(['z:write', 'a:read', 'z:write']) as string[];
    const audience = ['https://b.test', 'https://a.test'];
    const m2m = t.client({ scopes, audience });
    await m2m.getToken();
    const callScopes = ['y:read', 'b:read'];
    await m2m.getToken({ scopes: callScopes, audience });
    expect(scopes).toEqual(['z:write', 'a:read', 'z:write']);
    expect(audience).toEqual(['https://b.test', 'https://a.test']);
    expect(callScopes).toEqual(['y:read', 'b:read']);
  });
});

describe('forceRefresh', () => {
  it('requests a new token despite a valid cached one and caches the new one', async () => {
    const m2m = t.client();
    const first = await m2m.getToken();
    const forced = await m2m.getToken({ forceRefresh: true });
    expect(forced.access_token).not.toBe(first.access_token);
    expect(await m2m.getToken()).toBe(forced);
    expect(m2m.getCachedToken()).toBe(forced);
    expect(t.server.requests).toHaveLength(2);
  });

  it('concurrent forced refreshes share one request, and plain callers join it', async () => {
    t.server.setDefault({ delayMs: 30 });
    const m2m = t.client();
    const callers = [
      ...Array.from({ length: 20 }, () => m2m.getToken({ forceRefresh: true })),
      ...Array.from({ length: 20 }, () => m2m.getToken()),
    ];
    const tokens = await Promise.all(callers);
    expect(t.server.requests).toHaveLength(1);
    expect(new Set(tokens.map((token) => token.access_token)).size).toBe(1);
  });
});

describe('single flight', () => {
  it('1000 concurrent cold callers make one request and get the same token', async () => {
    t.server.setDefault({ delayMs: 30 });
    const m2m = t.client();
    const tokens = await Promise.all(
      Array.from({ length: 1000 }, (_, index) => (index % 2 ? m2m.getToken() : m2m.getValidToken())),
    );
    expect(t.server.requests).toHaveLength(1);
    expect(new Set(tokens).size).toBe(1);
  });

  it('keeps one flight per key: two sets, two requests, each caller gets its own set', async () => {
    t.server.setDefault((request) => ({ delayMs: 30, body: tokenBody(3600, { scope: request.form.scope }) }));
    const m2m = t.client();
    const reads = Array.from({ length: 500 }, () => m2m.getToken({ scopes: ['r:read'] }));
    const writes = Array.from({ length: 500 }, () => m2m.getToken({ scopes: ['w:write'] }));
    const [readTokens, writeTokens] = await Promise.all([Promise.all(reads), Promise.all(writes)]);
    expect(t.server.requests).toHaveLength(2);
    expect(new Set(readTokens.map((token) => token.scope))).toEqual(new Set(['r:read']));
    expect(new Set(writeTokens.map((token) => token.scope))).toEqual(new Set(['w:write']));
    expect(readTokens[0]?.access_token).not.toBe(writeTokens[0]?.access_token);
  });

  it('a failed flight fails every waiting caller, and the next call starts afresh', async () => {
    t.server.enqueue({ status: 400, body: { error: 'invalid_scope' }, delayMs: 20 });
    const m2m = t.client();
    const results = await Promise.allSettled(Array.from({ length: 50 }, () => m2m.getToken()));
    expect(results.every((result) => result.status === 'rejected')).toBe(true);
    expect(t.server.requests).toHaveLength(1);
    await m2m.getToken();
    expect(t.server.requests).toHaveLength(2);
  });
});

describe('expiry from the local receive time', () => {
  it('keeps a token whose JWT exp is already past for expires_in seconds after receipt', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(START);
    const stale = jwtWithClaims({ sub: 'svc', exp: START.getTime() / 1000 - 7200, iat: 0 });
    t.server.enqueue({ body: tokenBody(3600, { access_token: stale }) });
    const m2m = t.client();
    const token = await m2m.getToken();
    expect(token.access_token).toBe(stale);
    expect(token.issued_at).toBe(START.getTime() / 1000);
    expect(m2m.isTokenExpired()).toBe(false);

    vi.setSystemTime(START.getTime() + 3_599_999);
    expect(await m2m.getToken()).toBe(token);
    expect(t.server.requests).toHaveLength(1);

    vi.setSystemTime(START.getTime() + 3_600_000);
    expect(m2m.isTokenExpired()).toBe(true);
    const next = await m2m.getToken();
    expect(next.access_token).not.toBe(stale);
    expect(t.server.requests).toHaveLength(2);
  });

  it('ignores a JWT exp far in the future: expires_in decides', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(START);
    const longLived = jwtWithClaims({ sub: 'svc', exp: START.getTime() / 1000 + 86_400 });
    t.server.enqueue({ body: tokenBody(60, { access_token: longLived }) });
    const m2m = t.client();
    await m2m.getToken();
    vi.setSystemTime(START.getTime() + 60_000);
    expect((await m2m.getToken()).access_token).not.toBe(longLived);
    expect(t.server.requests).toHaveLength(2);
  });
});

describe('isTokenExpired', () => {
  it('without arguments checks the cached token, and is true when there is none', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(START);
    t.server.enqueue({ body: tokenBody(100) });
    const m2m = t.client();
    expect(m2m.isTokenExpired()).toBe(true);
    await m2m.getToken();
    expect(m2m.isTokenExpired()).toBe(false);
    vi.setSystemTime(START.getTime() + 100_000);
    expect(m2m.isTokenExpired()).toBe(true);
  });

  it('checks a given token, with a threshold in seconds', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(START);
    t.server.enqueue({ body: tokenBody(100) });
    const m2m = t.client();
    const token = await m2m.getToken();
    vi.setSystemTime(START.getTime() + 50_000);
    expect(m2m.isTokenExpired(token)).toBe(false);
    expect(m2m.isTokenExpired(token, 40)).toBe(false);
    expect(m2m.isTokenExpired(token, 50)).toBe(true);
    expect(m2m.isTokenExpired(token, 300)).toBe(true);
    expect(m2m.isTokenExpired(undefined, 49)).toBe(false);
    expect(m2m.isTokenExpired(undefined, 60)).toBe(true);
    // A token from elsewhere, judged by its own issued_at and expires_in.
    const foreign = { access_token: 'x', token_type: 'Bearer' as const, expires_in: 10 };
    expect(m2m.isTokenExpired({ ...foreign, issued_at: START.getTime() / 1000 + 45 })).toBe(false);
    expect(m2m.isTokenExpired({ ...foreign, issued_at: START.getTime() / 1000 + 40 })).toBe(true);
  });
});

describe('getCachedToken and clearCache', () => {
  it('getCachedToken is null before any token, then the last token, and does no I/O', async () => {
    const m2m = t.client();
    expect(m2m.getCachedToken()).toBeNull();
    expect(t.server.requests).toHaveLength(0);
    const token = await m2m.getToken();
    expect(m2m.getCachedToken()).toBe(token);
    const other = await m2m.getToken({ scopes: ['other:read'] });
    expect(m2m.getCachedToken()).toBe(other);
    expect(t.server.requests).toHaveLength(2);
  });

  it('clearCache forgets every token: the next call makes a new request', async () => {
    const m2m = t.client();
    const first = await m2m.getToken();
    await m2m.getToken({ scopes: ['b:read'] });
    m2m.clearCache();
    expect(m2m.getCachedToken()).toBeNull();
    expect(m2m.isTokenExpired()).toBe(true);
    const second = await m2m.getToken();
    expect(second.access_token).not.toBe(first.access_token);
    await m2m.getToken({ scopes: ['b:read'] });
    expect(t.server.requests).toHaveLength(4);
  });

  it('a failed request in flight is not retried after clearCache', async () => {
    t.server.enqueue({ status: 503, headers: { 'Retry-After': '1' } });
    const m2m = t.client({ retries: 3 });
    const pending = rejectionOf(m2m.getToken());
    await untilRequests(t.server, 1);
    m2m.clearCache();
    const error = await pending;
    expect(error.code).toBe(M2MErrorCode.TemporarilyUnavailable);
    expect(error.message).toContain('clearCache()');
    expect(t.server.requests).toHaveLength(1);
  });

  it('a flight that started before clearCache does not repopulate the cache', async () => {
    t.server.setDefault({ delayMs: 30 });
    const m2m = t.client();
    const pending = m2m.getToken();
    m2m.clearCache();
    const token = await pending;
    expect(token.access_token).toMatch(/^access-/);
    expect(m2m.getCachedToken()).toBeNull();
  });
});
