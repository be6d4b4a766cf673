// The contract kit against two independent, real authorization servers: oidc-provider (certified
// OpenID provider, RFC 9068 JWT access tokens) and an @node-oauth/oauth2-server app (opaque tokens).
// The report must name each server's real deviations from the spec, and nothing else.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OAuth2App, startOAuth2Server } from '../support/oauth2-server.js';
import { OIDC_RESOURCE, type OidcProviderServer, startOidcProvider } from '../support/oidc-provider.js';
import { type CheckedServer, caseLine, checkedServer, checkLines } from './run-kit.js';

const SECRET = 'kit-secret-0123456789-never-shown';
const REVOKE_SOURCE =
  '[openapi/passflow-m2m.yaml POST /oauth2/revoke 200 (whether or not the token was valid); RFC 7009 §2.2]';

describe('contract kit against oidc-provider', () => {
  let oidc: OidcProviderServer;
  let kit: CheckedServer;
  beforeAll(async () => {
    oidc = await startOidcProvider({
      clients: [
        { client_id: 'kit-post', client_secret: SECRET, scope: 'users:read orders:write' },
        {
          client_id: 'kit-basic',
          client_secret: SECRET,
          token_endpoint_auth_method: 'client_secret_basic',
          scope: 'users:read orders:write',
        },
      ],
    });
    kit = await checkedServer(oidc.issuer);
  });
  afterAll(async () => {
    await kit.stop();
    await oidc.close();
  });

  it('names its deviations: audience ignored, an unknown scope dropped instead of refused, JWTs not revocable', async () => {
    const run = await kit.check({
      clientId: 'kit-post',
      secret: SECRET,
      audience: ['https://orders.example.test'],
    });
    expect(run.failed).toBe(true);
    expect(run.text).toContain('8 cases: 4 passed, 4 failed');
    for (const name of ['valid token request', 'scopes', 'wrong secret', 'unsupported grant'])
      expect(caseLine(run.text, name)).toBe(`PASS  ${name}`);
    expect(checkLines(run.text, 'audience')).toEqual([
      'ok    token for audience "https://orders.example.test": 200, Bearer, expires_in 3600 s [openapi/passflow-m2m.yaml POST /oauth2/token 200; RFC 6749 §5.1]',
      `FAIL  aud holds the requested audience: expected aud with "https://orders.example.test", got aud "${OIDC_RESOURCE}" [openapi/passflow-m2m.yaml TokenRequest.audience (the token's aud holds the granted audiences); the Passflow M2M guide (Audiences)]`,
    ]);
    expect(checkLines(run.text, 'disallowed scope')).toEqual([
      'FAIL  scope "admin:all" refused: expected 400 invalid_scope, got 200: a token was issued, its response naming no scope (the requested one, RFC 6749 §5.1) [the Passflow M2M guide (Scope Validation); openapi/passflow-m2m.yaml POST /oauth2/token 400 (invalidScope); RFC 6749 §5.2]',
    ]);
    expect(checkLines(run.text, 'revocation')).toEqual([
      'ok    token to revoke: 200, Bearer, expires_in 3600 s [openapi/passflow-m2m.yaml POST /oauth2/token 200; RFC 6749 §5.1]',
      `FAIL  issued token revoked: expected 200, got 400 unsupported_token_type ${REVOKE_SOURCE}`,
      `FAIL  same token revoked again: expected 200, got 400 unsupported_token_type ${REVOKE_SOURCE}`,
      `ok    unknown token revoked: 200 ${REVOKE_SOURCE}`,
    ]);
    const jwks = checkLines(run.text, 'jwks');
    expect(jwks.slice(1, 4)).toEqual([
      'ok    typ at+jwt: typ "at+jwt" [RFC 9068 §2.1]',
      `ok    JWK Set served: 1 keys at ${oidc.jwksUri}, the jwks_uri of the RFC 8414 metadata [RFC 8414 §2 (jwks_uri); RFC 7517 §5]`,
      `ok    signature verifies with the JWK Set: ES256, kid "${oidc.publicKeys()[0]?.kid}" [RFC 9068 §4 (the resource server verifies the signature with the issuer's keys)]`,
    ]);
    expect(jwks[4]).toBe(
      `FAIL  aud holds the requested audience: expected aud with "https://orders.example.test", got aud "${OIDC_RESOURCE}" [RFC 9068 §4 (aud); openapi/passflow-m2m.yaml TokenRequest.audience]`,
    );
    expect(run.text + run.junit).not.toContain(SECRET);
  });

  it('passes what it does: the audience it serves, a scope it knows but does not allow, HTTP Basic, its JWKS', async () => {
    const run = await kit.check({
      clientId: 'kit-basic',
      secret: SECRET,
      audience: [OIDC_RESOURCE],
      disallowedScope: 'users:write',
      authMethod: 'client_secret_basic',
    });
    expect(run.text).toContain('8 cases: 7 passed, 1 failed');
    expect(caseLine(run.text, 'revocation')).toBe('FAIL  revocation');
    for (const name of ['audience', 'disallowed scope', 'wrong secret', 'jwks'])
      expect(caseLine(run.text, name)).toBe(`PASS  ${name}`);
    expect(checkLines(run.text, 'wrong secret')[1]).toMatch(/^ok {4}WWW-Authenticate on the 401: /);
    expect(run.failed).toBe(true);
  });
});

describe('contract kit against an @node-oauth/oauth2-server app with opaque tokens', () => {
  let app: OAuth2App;
  let kit: CheckedServer;
  beforeAll(async () => {
    app = await startOAuth2Server([{ id: 'kit', secret: SECRET, scopes: ['users:read', 'orders:write'] }]);
    kit = await checkedServer(app.url);
  });
  afterAll(async () => {
    await kit.stop();
    await app.close();
  });

  it('fails only the JWT the spec demands; 400 invalid_client for body credentials and the granted scope pass', async () => {
    const run = await kit.check({
      clientId: 'kit',
      secret: SECRET,
      audience: ['https://orders.example.test'],
    });
    expect(run.failed).toBe(true);
    expect(run.text).toContain('8 cases: 5 passed, 1 failed, 2 not applicable');
    expect(checkLines(run.text, 'valid token request')).toContain(
      'FAIL  access token is a JWT: expected a JWT, got an opaque token of 64 characters [openapi/passflow-m2m.yaml TokenResponse.access_token (a JWT with M2MTokenClaims); RFC 9068 §2.2]',
    );
    expect(checkLines(run.text, 'wrong secret')).toEqual([
      'ok    wrong secret refused: 400 invalid_client [RFC 6749 §5.2 (credentials in the body); openapi/passflow-m2m.yaml POST /oauth2/token 400, 401]',
    ]);
    expect(caseLine(run.text, 'scopes')).toBe('PASS  scopes');
    expect(checkLines(run.text, 'scopes')[1]).toBe(
      'ok    no scope granted beyond the requested ones: scope "orders:write users:read" [RFC 6749 §3.3]',
    );
    expect(caseLine(run.text, 'audience')).toBe('N/A   audience');
    expect(caseLine(run.text, 'jwks')).toBe('N/A   jwks');
    expect(checkLines(run.text, 'jwks')[2]).toBe(
      "n/a   JWK Set served: the access token is opaque: it has no signature to verify [RFC 9068 §4 (the resource server verifies the signature with the issuer's keys)]",
    );
    expect(caseLine(run.text, 'revocation')).toBe('PASS  revocation');
    expect(run.text + run.junit).not.toContain(SECRET);
  });
});
