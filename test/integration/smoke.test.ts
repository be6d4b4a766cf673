import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { M2MClient } from '../../src/index.js';
import { startTokenServer, type TokenServer } from '../support/token-server.js';

describe('token acquisition against a loopback server', () => {
  let server: TokenServer;
  beforeEach(async () => {
    server = await startTokenServer();
  });
  afterEach(async () => {
    await server.close();
  });

  it('posts a client_credentials form and caches the token', async () => {
    const m2m = new M2MClient({
      url: server.url,
      clientId: 'svc',
      clientSecret: 's3cret',
      scopes: ['b:x', 'a:y'],
    });
    const first = await m2m.getToken();
    const second = await m2m.getToken();
    expect(second).toBe(first);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]?.path).toBe('/oauth2/token');
    expect(server.requests[0]?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(server.requests[0]?.form).toEqual({
      grant_type: 'client_credentials',
      client_id: 'svc',
      client_secret: 's3cret',
      scope: 'a:y b:x',
    });
  });

  it('shares one request among 1000 concurrent cold callers', async () => {
    server.setDefault({ delayMs: 50 });
    const m2m = new M2MClient({ url: server.url, clientId: 'svc', clientSecret: 's3cret' });
    const tokens = await Promise.all(Array.from({ length: 1000 }, () => m2m.getValidToken()));
    expect(server.requests).toHaveLength(1);
    expect(new Set(tokens.map((t) => t.access_token)).size).toBe(1);
  });
});
