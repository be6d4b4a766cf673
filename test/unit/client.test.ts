// M2MClient wiring that no integration test pins: the order of storing and telling the hooks, and the
// errors of per-call options. A fetch in memory answers (no network).
import { describe, expect, it } from 'vitest';
import { M2MClient, M2MError, M2MErrorCode, type M2MTokenResponse } from '../../src/index.js';

function tokenFetch(): typeof fetch {
  let issued = 0;
  return (async () =>
    new Response(
      JSON.stringify({ access_token: `token-${++issued}`, token_type: 'Bearer', expires_in: 600 }),
      {
        status: 200,
        headers: { 'content-type': 'application/json' },
      },
    )) as typeof fetch;
}

describe('M2MClient hooks', () => {
  it('tells onTokenResponse after the token is stored: the hook sees it cached and valid', async () => {
    const seen: (M2MTokenResponse | null | boolean)[] = [];
    const m2m: M2MClient = new M2MClient({
      url: 'http://127.0.0.1:9',
      clientId: 'svc',
      clientSecret: 'unit-secret',
      fetch: tokenFetch(),
      onTokenResponse: (response) => {
        seen.push(response, m2m.getCachedToken(), m2m.isTokenExpired());
      },
    });
    const token = await m2m.getToken();
    expect(seen).toEqual([{ ...token, access_token: '[redacted]' }, token, false]);
  });
});

describe('M2MClient per-call options', () => {
  it.each([
    [{ scopes: ['has space'] }, 'getToken({ scopes }): options.scopes[0] is not a valid scope token'],
    [{ audience: ['a b'] }, 'getToken({ audience }): options.audience[0] must not contain white space'],
    [{ resource: 'not a uri' }, 'getToken({ resource }): options.resource must be an absolute URI'],
  ])('name the option of the call when it is malformed: %j', async (options, message) => {
    const m2m = new M2MClient({ url: 'http://127.0.0.1:9', clientId: 'svc', clientSecret: 'unit-secret' });
    const error = await m2m.getToken(options).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(M2MError);
    expect((error as M2MError).code).toBe(M2MErrorCode.InvalidRequest);
    expect((error as M2MError).message.startsWith(message)).toBe(true);
    expect((error as M2MError).message).not.toContain('M2MClientConfig');
  });
});
