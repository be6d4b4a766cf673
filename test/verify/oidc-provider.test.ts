// The verifier against oidc-provider, a certified OpenID provider: RFC 9068 JWT access tokens for a
// resource indicator, signed with its keys and served from its JWKS on loopback.
import { createServer } from 'node:net';
import { exportSPKI, generateKeyPair, importJWK, SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createM2MTokenVerifier, type M2MTokenVerifierOptions } from '../../src/verify/index.js';
import { OIDC_RESOURCE, type OidcProviderServer } from '../support/oidc-provider.js';
import { encodeJwt, jwksFetches, jwtParts, providerToken, refusalOf, startProviderFor } from './helpers.js';

const CLIENT = { id: 'orders-service', secret: 'orders-secret-0123456789' };
let server: OidcProviderServer;

beforeAll(async () => {
  server = await startProviderFor(CLIENT, 'users:read orders:read');
});
afterAll(() => server.close());
afterEach(() => {
  vi.useRealTimers();
  server.setJwksAvailable(true);
});

function verifierFor(options: Partial<M2MTokenVerifierOptions> = {}) {
  return createM2MTokenVerifier({ url: server.issuer, audience: OIDC_RESOURCE, ...options });
}

const token = (scope = 'users:read') => providerToken(server, CLIENT, scope);

describe('a valid token', () => {
  it('verifies, with the RFC 9068 claims and the scopes as parseToken reads them', async () => {
    const before = jwksFetches(server);
    const claims = await verifierFor().verify(await token('users:read orders:read'));
    expect(claims).toMatchObject({
      iss: server.issuer,
      sub: CLIENT.id,
      client_id: CLIENT.id,
      aud: [OIDC_RESOURCE],
      scopes: ['users:read', 'orders:read'],
    });
    expect(claims.exp - claims.iat).toBe(3600);
    expect(typeof claims.jti).toBe('string');
    expect(jwksFetches(server) - before).toBe(1);
  });

  it('fetches the keys once and verifies later tokens from the cache', async () => {
    const verifier = verifierFor();
    const before = jwksFetches(server);
    const tokens = await Promise.all([token(), token(), token()]);
    await Promise.all(tokens.map((t) => verifier.verify(t)));
    for (const t of tokens) await verifier.verify(t);
    expect(jwksFetches(server) - before).toBe(1);
  });

  it('takes the issuer and the JWKS URL from explicit options too', async () => {
    const verifier = createM2MTokenVerifier({
      issuer: server.issuer,
      jwksUri: server.jwksUri,
      audience: OIDC_RESOURCE,
    });
    await expect(verifier.verify(await token())).resolves.toMatchObject({ client_id: CLIENT.id });
  });
});

describe('refused as invalid_token (401)', () => {
  it('a token for another audience', async () => {
    const error = await refusalOf(
      verifierFor({ audience: 'https://billing.example.test' }).verify(await token()),
    );
    expect(error).toMatchObject({ code: 'invalid_token', status: 401, retryable: false });
    expect(error.message).toBe('the token is not meant for https://billing.example.test');
    expect(error.wwwAuthenticate).toBe(
      'Bearer error="invalid_token", error_description="the token is not meant for https://billing.example.test"',
    );
    expect(error.cause).toMatchObject({ code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'aud' });
  });

  it('a token of another issuer', async () => {
    const verifier = verifierFor({ issuer: 'https://auth.other.test' });
    const error = await refusalOf(verifier.verify(await token()));
    expect(error.message).toBe('the token was not issued by https://auth.other.test');
  });

  it('an expired token: exp plus the 30 s clock tolerance', async () => {
    const jwt = await token();
    const { exp } = jwtParts(jwt).payload as { exp: number };
    const verifier = verifierFor();
    await verifier.verify(jwt);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime((exp + 29) * 1000);
    await expect(verifier.verify(jwt)).resolves.toMatchObject({ exp });
    vi.setSystemTime((exp + 31) * 1000);
    const error = await refusalOf(verifier.verify(jwt));
    expect(error).toMatchObject({ code: 'invalid_token', message: 'the token has expired' });
    expect(error.cause).toMatchObject({ code: 'ERR_JWT_EXPIRED' });
  });

  it('an expired token with clockTolerance 0', async () => {
    const jwt = await token();
    const { exp } = jwtParts(jwt).payload as { exp: number };
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(exp * 1000);
    const error = await refusalOf(verifierFor({ clockTolerance: 0 }).verify(jwt));
    expect(error.message).toBe('the token has expired');
  });

  it('a token not valid yet: issued in the future beyond the tolerance', async () => {
    const jwt = await token();
    const { iat } = jwtParts(jwt).payload as { iat: number };
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime((iat - 29) * 1000);
    await expect(verifierFor().verify(jwt)).resolves.toMatchObject({ iat });
    vi.setSystemTime((iat - 31) * 1000);
    const error = await refusalOf(verifierFor().verify(jwt));
    expect(error).toMatchObject({
      code: 'invalid_token',
      message: 'the token is not valid yet (its iat is in the future)',
    });
  });

  it('a token whose claims were changed after signing', async () => {
    const { header, payload, signature } = jwtParts(await token('users:read'));
    const tampered = encodeJwt(header, { ...payload, scope: 'users:read orders:read' }, signature);
    const error = await refusalOf(verifierFor().verify(tampered));
    expect(error.message).toBe('the token signature is invalid');
    expect(error.cause).toMatchObject({ code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
  });

  it('alg none, even with a kid of the issuer', async () => {
    const { header, payload } = jwtParts(await token());
    const unsigned = encodeJwt({ ...header, alg: 'none' }, payload, '');
    const error = await refusalOf(verifierFor().verify(unsigned));
    expect(error.message).toBe("the token's algorithm (none) is not accepted");
    expect(error.cause).toMatchObject({ code: 'ERR_JOSE_ALG_NOT_ALLOWED' });
  });

  it("HS256 with the issuer's public key as the HMAC secret", async () => {
    const { header, payload } = jwtParts(await token());
    const [publicJwk] = server.publicKeys();
    const pem = await exportSPKI(
      (await importJWK({ ...publicJwk, ext: true }, 'ES256', { extractable: true })) as CryptoKey,
    );
    for (const secret of [pem, JSON.stringify(publicJwk)]) {
      const forged = await new SignJWT(payload)
        .setProtectedHeader({ ...header, alg: 'HS256' })
        .sign(new TextEncoder().encode(secret));
      const error = await refusalOf(verifierFor().verify(forged));
      expect(error.message).toBe("the token's algorithm (HS256) is not accepted");
    }
  });

  it('a token signed by a key the issuer does not publish', async () => {
    const { header, payload } = jwtParts(await token());
    const { privateKey } = await generateKeyPair('ES256');
    const forged = await new SignJWT(payload)
      .setProtectedHeader({ ...header, kid: 'not-a-kid' })
      .sign(privateKey);
    const error = await refusalOf(verifierFor().verify(forged));
    expect(error.message).toBe('no signing key of the issuer matches the token (kid)');
  });

  it('something that is not a JWT', async () => {
    const error = await refusalOf(verifierFor().verify('not.a-jwt'));
    expect(error.code).toBe('invalid_token');
    expect(error.message).toMatch(/^the token is not a valid JWT: /);
  });
});

describe('refused as insufficient_scope (403)', () => {
  it('names the scopes the API needs in the challenge (RFC 6750 §3)', async () => {
    const verifier = verifierFor({ requiredScopes: ['users:read'] });
    const jwt = await token('users:read');
    await expect(verifier.verify(jwt)).resolves.toMatchObject({ scopes: ['users:read'] });
    const error = await refusalOf(verifier.verify(jwt, { scopes: ['orders:read'] }));
    expect(error).toMatchObject({ code: 'insufficient_scope', status: 403 });
    expect(error.wwwAuthenticate).toBe(
      'Bearer error="insufficient_scope", error_description="the token does not grant orders:read", scope="users:read orders:read"',
    );
  });
});

describe('key rotation', () => {
  it('an unknown kid after the server rotated its keys: one refetch, then verified from the cache', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const verifier = verifierFor();
    const before = jwksFetches(server);
    const old = await token();
    await verifier.verify(old);
    expect(jwksFetches(server) - before).toBe(1);

    await server.rotateKeys();
    // Within jose's 30 s cooldown since the last fetch, an unknown kid does not fetch again.
    vi.setSystemTime(Date.now() + 10_000);
    const rotated = await token();
    expect(jwtParts(rotated).header.kid).not.toBe(jwtParts(old).header.kid);
    expect((await refusalOf(verifier.verify(rotated))).code).toBe('invalid_token');
    expect(jwksFetches(server) - before).toBe(1);

    vi.setSystemTime(Date.now() + 21_000);
    await Promise.all(Array.from({ length: 20 }, () => verifier.verify(rotated)));
    expect(jwksFetches(server) - before).toBe(2);
    await verifier.verify(rotated);
    // The old key is gone from the set: its token is refused without another fetch (cooldown).
    const error = await refusalOf(verifier.verify(old));
    expect(error.message).toBe('no signing key of the issuer matches the token (kid)');
    expect(jwksFetches(server) - before).toBe(2);
  });
});

describe('JWKS endpoint down: temporarily_unavailable (503), not invalid_token', () => {
  it('a 503 from the JWKS URL, then recovery', async () => {
    const verifier = verifierFor();
    const jwt = await token();
    server.setJwksAvailable(false);
    const error = await refusalOf(verifier.verify(jwt));
    expect(error).toMatchObject({ code: 'temporarily_unavailable', status: 503, retryable: true });
    expect(error.wwwAuthenticate).toBeUndefined();
    expect(error.message).toBe(
      `the signing keys of the issuer could not be fetched from ${server.jwksUri}: the JWKS endpoint answered HTTP 503`,
    );
    server.setJwksAvailable(true);
    await expect(verifier.verify(jwt)).resolves.toMatchObject({ client_id: CLIENT.id });
  });

  it('keys already fetched keep verifying while the endpoint is down, until they are 10 minutes old', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const verifier = verifierFor();
    const jwt = await token();
    await verifier.verify(jwt);
    server.setJwksAvailable(false);
    vi.setSystemTime(Date.now() + 9 * 60_000);
    await expect(verifier.verify(jwt)).resolves.toMatchObject({ client_id: CLIENT.id });
    vi.setSystemTime(Date.now() + 2 * 60_000);
    expect((await refusalOf(verifier.verify(jwt))).code).toBe('temporarily_unavailable');
  });

  it('a refused connection', async () => {
    const port = await closedPort();
    const verifier = verifierFor({ jwksUri: `http://127.0.0.1:${port}/.well-known/jwks.json` });
    const error = await refusalOf(verifier.verify(await token()));
    expect(error).toMatchObject({ code: 'temporarily_unavailable', status: 503 });
    expect(error.message).toContain('ECONNREFUSED');
  });
});

/** A loopback port nothing listens on. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
