// The client against oidc-provider, a certified OpenID provider: what an independent server accepts.
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { M2MClient, M2MError } from '../../src/index.js';
import { OIDC_RESOURCE, type OidcProviderServer, startOidcProvider } from '../support/oidc-provider.js';

let server: OidcProviderServer;

beforeAll(async () => {
  server = await startOidcProvider({
    clients: [
      {
        client_id: 'post-client',
        client_secret: 'post-secret-0123456789',
        token_endpoint_auth_method: 'client_secret_post',
        scope: 'users:read orders:read',
      },
      {
        client_id: 'basic-client',
        client_secret: 'basic secret+/=:%',
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
  });
});
afterAll(() => server.close());

describe('M2MClient against oidc-provider', () => {
  it('gets an RFC 9068 JWT access token with client_secret_post', async () => {
    const m2m = new M2MClient({
      url: server.issuer,
      clientId: 'post-client',
      clientSecret: 'post-secret-0123456789',
      scopes: ['users:read'],
    });
    const token = await m2m.getToken();
    expect(token.token_type).toBe('Bearer');
    expect(token.scope).toBe('users:read');
    expect(decodeProtectedHeader(token.access_token).typ).toBe('at+jwt');
    const claims = decodeJwt(token.access_token);
    expect(claims).toMatchObject({ iss: server.issuer, client_id: 'post-client', aud: OIDC_RESOURCE });
    expect(m2m.parseToken(token.access_token).aud).toEqual([OIDC_RESOURCE]);
  });

  it('gets a token with client_secret_basic, the secret form-urlencoded before base64 (RFC 6749 §2.3.1)', async () => {
    const m2m = new M2MClient({
      url: server.issuer,
      clientId: 'basic-client',
      clientSecret: 'basic secret+/=:%',
      authMethod: 'client_secret_basic',
    });
    const token = await m2m.getToken();
    expect(decodeJwt(token.access_token).client_id).toBe('basic-client');
  });

  it('reports a wrong secret as a final invalid_client', async () => {
    const m2m = new M2MClient({
      url: server.issuer,
      clientId: 'post-client',
      clientSecret: 'wrong-secret',
      retries: 3,
      retryDelay: 1,
    });
    const before = server.requests.length;
    const error = await m2m.getToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(M2MError);
    expect((error as M2MError).code).toBe('invalid_client');
    expect(server.requests.length - before).toBe(1);
  });

  it("reports a scope outside the client's allowed scopes as invalid_scope", async () => {
    const m2m = new M2MClient({
      url: server.issuer,
      clientId: 'post-client',
      clientSecret: 'post-secret-0123456789',
      scopes: ['users:write'],
    });
    await expect(m2m.getToken()).rejects.toMatchObject({ code: 'invalid_scope', status: 400 });
  });
});
