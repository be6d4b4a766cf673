// Tokens from a custom or shared cache that type-check but cannot be true: the same bounds as a token
// from the wire, the rest a miss reported to onCacheError, and another replica's clock never makes a
// token last longer here. A real loopback token server answers the misses.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_CLOCK_SKEW_S } from '../../src/client/stored-token.js';
import { type M2MCacheError, M2MClient, type M2MTokenCache, type M2MTokenResponse } from '../../src/index.js';
import { startTokenServer, type TokenServer } from '../support/token-server.js';

const YEAR = 365 * 24 * 3600;
const nowS = () => Math.floor(Date.now() / 1000);

let server: TokenServer;
beforeEach(async () => {
  server = await startTokenServer();
});
afterEach(async () => {
  await server.close();
});

/** A cache that answers every read with `planted`, and a client over it that records cache errors. */
function clientWith(planted: unknown) {
  const reported: M2MCacheError[] = [];
  const cache: M2MTokenCache = {
    get: async () => planted as M2MTokenResponse,
    set: async () => undefined,
    delete: async () => undefined,
  };
  const m2m = new M2MClient({
    url: server.url,
    clientId: 'svc-replica',
    clientSecret: 'replica-secret',
    cache,
    retries: 0,
    onCacheError: (error) => reported.push(error),
  });
  return { m2m, reported };
}

const stored = (token: Partial<M2MTokenResponse>): M2MTokenResponse => ({
  access_token: 'planted-token',
  token_type: 'Bearer',
  expires_in: 3600,
  issued_at: nowS(),
  ...token,
});

describe('a token that cannot be true is a miss, reported to onCacheError', () => {
  it.each<[string, () => unknown, RegExp]>([
    [
      'issued_at in milliseconds',
      () => stored({ issued_at: Date.now() }),
      /in the future.*seconds since the epoch/,
    ],
    ['issued_at an hour ahead', () => stored({ issued_at: nowS() + 3600 }), /issued 3600 s in the future/],
    ['expires_in beyond the cap of the wire', () => stored({ expires_in: 10 * YEAR }), /expires_in/],
    ['expires_in zero', () => stored({ expires_in: 0 }), /expires_in/],
    ['expires_in fractional below 1', () => stored({ expires_in: 0.5 }), /expires_in/],
    ['issued_at missing', () => ({ ...stored({}), issued_at: undefined }), /issued_at/],
    ['token_type not Bearer', () => ({ ...stored({}), token_type: 'mac' }), /token_type/],
  ])('%s', async (_name, planted, reason) => {
    const { m2m, reported } = clientWith(planted());
    const token = await m2m.getToken();
    expect(token.access_token).toMatch(/^access-/);
    expect(server.requests).toHaveLength(1);
    expect(reported.map(({ operation }) => operation)).toContain('get');
    expect(reported.find(({ operation }) => operation === 'get')?.error.message).toMatch(reason);
    expect(reported.some(({ error }) => error.message.includes('planted-token'))).toBe(false);
  });
});

describe('a token that can be true is served, its lifetime counted by this clock', () => {
  it('a token issued by this clock: served as it is, no report', async () => {
    const planted = stored({ issued_at: nowS() - 10 });
    const { m2m, reported } = clientWith(planted);
    expect(await m2m.getToken()).toBe(planted);
    expect(server.requests).toHaveLength(0);
    expect(reported).toEqual([]);
  });

  it('the longest lifetime the wire accepts is accepted from a cache too', async () => {
    const { m2m, reported } = clientWith(stored({ expires_in: YEAR }));
    expect((await m2m.getToken()).access_token).toBe('planted-token');
    expect(reported).toEqual([]);
  });

  it("a replica's clock a little ahead: served, but its lifetime counts from now, not from its issued_at", async () => {
    const ahead = MAX_CLOCK_SKEW_S - 60;
    const { m2m, reported } = clientWith(stored({ issued_at: nowS() + ahead, expires_in: 120 }));
    const token = await m2m.getToken();
    expect(token.access_token).toBe('planted-token');
    expect(server.requests).toHaveLength(0);
    expect(reported).toEqual([]);
    expect(token.issued_at).toBeLessThanOrEqual(nowS());
    // 120 s from now at the latest, never 120 s from the replica's issued_at (minutes later).
    expect(m2m.isTokenExpired(null, 121)).toBe(true);
    expect(m2m.isTokenExpired(null, 0)).toBe(false);
  });
});
