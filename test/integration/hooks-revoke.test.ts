// onTokenRequest / onTokenResponse (metadata only, per attempt, never breaking acquisition) and
// revokeToken (RFC 7009), against the loopback server.
import { describe, expect, it } from 'vitest';
import { M2MErrorCode, type M2MTokenRequestInfo, type M2MTokenResponse } from '../../src/index.js';
import { tokenBody } from '../support/token-server.js';
import { rejectionOf, SECRET, settle, useTokenServer } from './fixtures.js';

const t = useTokenServer();

describe('hooks', () => {
  it('onTokenRequest gets the metadata of every attempt, never credentials', async () => {
    const infos: M2MTokenRequestInfo[] = [];
    t.server.enqueue({ status: 503 }, { status: 500 });
    const m2m = t.client({
      scopes: ['b:read', 'a:read'],
      audience: ['https://api.test'],
      resource: 'https://api.test/orders',
      onTokenRequest: (info) => infos.push(info),
    });
    await m2m.getToken();
    expect(infos.map((info) => info.attempt)).toEqual([1, 2, 3]);
    expect(infos[0]).toEqual({
      url: `${t.server.url}/oauth2/token`,
      clientId: 'svc',
      scopes: ['a:read', 'b:read'],
      audience: ['https://api.test'],
      resource: 'https://api.test/orders',
      authMethod: 'client_secret_post',
      attempt: 1,
    });
    expect(JSON.stringify(infos)).not.toContain(SECRET);
    // Cache hits make no request and call no hook.
    await m2m.getToken();
    expect(infos).toHaveLength(3);
  });

  it('the hook cannot reach the client state through its payload', async () => {
    const infos: M2MTokenRequestInfo[] = [];
    const m2m = t.client({
      scopes: ['a:read'],
      onTokenRequest: (info) => {
        info.scopes.push('admin:all');
        infos.push(info);
      },
    });
    await m2m.getToken({ forceRefresh: true });
    await m2m.getToken({ forceRefresh: true });
    expect(infos[1]?.scopes).toEqual(['a:read', 'admin:all']);
    expect(t.server.requests.map((request) => request.form.scope)).toEqual(['a:read', 'a:read']);
  });

  it('onTokenResponse gets the token metadata once per token, with the access token redacted', async () => {
    const responses: M2MTokenResponse[] = [];
    t.server.enqueue({ body: tokenBody(1800, { scope: 'a:read' }) });
    const m2m = t.client({ onTokenResponse: (response) => responses.push(response) });
    const token = await m2m.getToken();
    await m2m.getToken();
    expect(responses).toHaveLength(1);
    expect(responses[0]).toEqual({
      access_token: '[redacted]',
      token_type: 'Bearer',
      expires_in: 1800,
      scope: 'a:read',
      issued_at: token.issued_at,
    });
    expect(token.access_token).not.toBe('[redacted]');
  });

  it('throwing and rejecting hooks do not break token acquisition', async () => {
    let calls = 0;
    const m2m = t.client({
      onTokenRequest: () => {
        calls++;
        throw new Error('request hook exploded');
      },
      onTokenResponse: (async () => {
        calls++;
        throw new Error('async response hook rejected');
      }) as unknown as (response: M2MTokenResponse) => void,
    });
    const token = await m2m.getToken();
    expect(token.access_token).toMatch(/^access-/);
    expect(calls).toBe(2);
    // The rejection of the async hook is handled: vitest would fail the run on an unhandled one.
    await settle();
  });
  it('a hook that asks for a token joins the request in flight instead of starting another', async () => {
    const fromHook: Promise<M2MTokenResponse>[] = [];
    const m2m = t.client({
      onTokenRequest: () => {
        if (fromHook.length < 5) fromHook.push(m2m.getToken());
      },
    });
    const token = await m2m.getToken();
    expect(await Promise.all(fromHook)).toEqual([token]);
    expect(t.server.requests).toHaveLength(1);
  });
});

describe('revokeToken (RFC 7009)', () => {
  it('posts token, token_type_hint and client authentication to /oauth2/revoke, then clears the cache', async () => {
    const m2m = t.client();
    const token = await m2m.getToken();
    t.server.enqueue({ status: 200, body: '' });
    await m2m.revokeToken();
    const revoke = t.server.requests[1];
    expect(revoke?.path).toBe('/oauth2/revoke');
    expect(revoke?.method).toBe('POST');
    expect(revoke?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(revoke?.form).toEqual({
      token: token.access_token,
      token_type_hint: 'access_token',
      client_id: 'svc',
      client_secret: SECRET,
    });
    expect(m2m.getCachedToken()).toBeNull();
    const next = await m2m.getToken();
    expect(next.access_token).not.toBe(token.access_token);
    expect(t.server.requests).toHaveLength(3);
  });

  it('revokes every cached token, one request each, so none stays valid once forgotten', async () => {
    const m2m = t.client();
    const tokens = [await m2m.getToken(), await m2m.getToken({ scopes: ['b:read'] })];
    t.server.setDefault({ status: 200, body: '' });
    await m2m.revokeToken();
    const revoked = t.server.requests.filter((request) => request.path === '/oauth2/revoke');
    expect(revoked.map((request) => request.form.token).sort()).toEqual(
      tokens.map((token) => token.access_token).sort(),
    );
    expect(m2m.getCachedToken()).toBeNull();
  });

  it('keeps only the tokens whose revocation failed, and throws that failure', async () => {
    const m2m = t.client({ retries: 0 });
    const kept = await m2m.getToken();
    const revoked = await m2m.getToken({ scopes: ['b:read'] });
    t.server.setDefault((request) =>
      request.path === '/oauth2/token'
        ? { body: tokenBody() }
        : request.form.token === kept.access_token
          ? { status: 400, body: { error: 'invalid_request' } }
          : { status: 200, body: '' },
    );
    const error = await rejectionOf(m2m.revokeToken());
    expect(error.code).toBe(M2MErrorCode.InvalidRequest);
    expect(await m2m.getToken()).toBe(kept);
    const renewed = await m2m.getToken({ scopes: ['b:read'] });
    expect(renewed.access_token).not.toBe(revoked.access_token);
    expect(t.server.requests.filter((request) => request.path === '/oauth2/token')).toHaveLength(3);
  });

  it('keeps a token obtained while the revocation runs: it was not revoked', async () => {
    const m2m = t.client();
    const revoked = await m2m.getToken();
    t.server.setDefault((request) =>
      request.path === '/oauth2/revoke' ? { status: 200, body: '', delayMs: 200 } : { body: tokenBody() },
    );
    const revoking = m2m.revokeToken();
    const fresh = await m2m.getToken({ forceRefresh: true });
    await revoking;
    expect(t.server.requests.find((request) => request.path === '/oauth2/revoke')?.form.token).toBe(
      revoked.access_token,
    );
    expect(m2m.getCachedToken()).toBe(fresh);
    expect(await m2m.getToken()).toBe(fresh);
  });

  it('authenticates with client_secret_basic when configured', async () => {
    const m2m = t.client({ authMethod: 'client_secret_basic' });
    await m2m.getToken();
    t.server.enqueue({ status: 200, body: '' });
    await m2m.revokeToken();
    const revoke = t.server.requests[1];
    expect(revoke?.headers.authorization).toMatch(/^Basic /);
    expect(revoke?.form.client_secret).toBeUndefined();
    expect(revoke?.form.client_id).toBe('svc');
  });

  it('does nothing without a token', async () => {
    const m2m = t.client();
    await m2m.revokeToken();
    await m2m.getToken();
    m2m.clearCache();
    await m2m.revokeToken();
    expect(t.server.requests.map((request) => request.path)).toEqual(['/oauth2/token']);
  });

  it('maps a failure to an M2MError and keeps the token', async () => {
    const m2m = t.client({ retries: 0 });
    const token = await m2m.getToken();
    t.server.enqueue({ status: 400, body: { error: 'unsupported_token_type', error_description: 'nope' } });
    const error = await rejectionOf(m2m.revokeToken());
    expect(error.code).toBe(M2MErrorCode.UnsupportedTokenType);
    expect(error.status).toBe(400);
    expect(error.message).toContain('unsupported_token_type');
    expect(m2m.getCachedToken()).toBe(token);

    t.server.enqueue({ status: 401, body: { error: 'invalid_client' } });
    expect((await rejectionOf(m2m.revokeToken())).code).toBe(M2MErrorCode.InvalidClient);
  });

  it('retries a transient failure like a token request', async () => {
    const m2m = t.client({ retries: 2 });
    await m2m.getToken();
    t.server.enqueue({ status: 503 }, { reset: true }, { status: 200, body: '' });
    await m2m.revokeToken();
    expect(t.server.requests.map((request) => request.path)).toEqual([
      '/oauth2/token',
      '/oauth2/revoke',
      '/oauth2/revoke',
      '/oauth2/revoke',
    ]);
    expect(m2m.getCachedToken()).toBeNull();
  });
});
