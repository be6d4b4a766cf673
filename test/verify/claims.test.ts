// What oidc-provider cannot be made to issue: tokens signed with a key of our own, whose public half
// a loopback server publishes as the issuer's JWKS. And the verifier's configuration checks.
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createM2MTokenVerifier, type M2MTokenVerifierOptions } from '../../src/verify/index.js';
import { startTokenServer, type TokenServer } from '../support/token-server.js';
import { refusalOf } from './helpers.js';

const AUDIENCE = 'https://api.yourapp.com';
let jwks: TokenServer;
let publishedKeys: { keys: unknown[] };
let sign: (payload: JWTPayload, header?: Record<string, unknown>) => Promise<string>;

beforeAll(async () => {
  jwks = await startTokenServer();
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  publishedKeys = { keys: [{ ...(await exportJWK(publicKey)), kid: 'own-key', alg: 'ES256', use: 'sig' }] };
  jwks.setDefault({ body: publishedKeys });
  sign = (payload, header = {}) =>
    new SignJWT(payload)
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'own-key', ...header })
      .sign(privateKey);
});
afterAll(() => jwks.close());
afterEach(() => jwks.setDefault({ body: publishedKeys }));

function verifierFor(options: Partial<M2MTokenVerifierOptions> = {}) {
  return createM2MTokenVerifier({ url: jwks.url, audience: AUDIENCE, ...options });
}

/** RFC 9068 §2.2 claims of a token issued now, for AUDIENCE, by the loopback issuer. */
function claims(extra: JWTPayload = {}): JWTPayload {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: jwks.url,
    sub: 'svc-orders',
    client_id: 'svc-orders',
    aud: AUDIENCE,
    iat: now,
    exp: now + 600,
    jti: `t-${Math.random()}`,
    ...extra,
  };
}

async function refusedWith(token: Promise<string>, message: string, options = {}): Promise<void> {
  const error = await refusalOf(verifierFor(options).verify(await token));
  expect(error).toMatchObject({ code: 'invalid_token', status: 401, message });
}

describe('RFC 9068 §4 checks on tokens of our own', () => {
  it('typ must be at+jwt or application/at+jwt (RFC 9068 §2.1)', async () => {
    const verifier = verifierFor();
    await expect(verifier.verify(await sign(claims(), { typ: 'application/at+jwt' }))).resolves.toBeDefined();
    const message = 'the token is not a JWT access token (typ must be at+jwt)';
    await refusedWith(sign(claims(), { typ: 'JWT' }), message);
    await refusedWith(sign(claims(), { typ: undefined }), message);
  });

  it('nbf in the future beyond the clock tolerance', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expect(verifierFor().verify(await sign(claims({ nbf: now + 25 })))).resolves.toMatchObject({
      nbf: now + 25,
    });
    await refusedWith(sign(claims({ nbf: now + 40 })), 'the token is not valid yet (nbf)');
    await refusedWith(sign(claims({ nbf: now + 10 })), 'the token is not valid yet (nbf)', {
      clockTolerance: 5,
    });
  });

  it('every claim RFC 9068 §2.2 requires', async () => {
    for (const claim of ['iss', 'aud', 'exp', 'iat', 'sub', 'client_id', 'jti']) {
      await refusedWith(sign(claims({ [claim]: undefined })), `the token has no ${claim} claim`);
    }
    for (const claim of ['sub', 'client_id', 'jti']) {
      await refusedWith(sign(claims({ [claim]: 42 })), `the token's ${claim} claim is not a string`);
    }
  });

  it('aud as a string or an array holding the audience; aud is an array in the claims', async () => {
    const verifier = verifierFor();
    await expect(verifier.verify(await sign(claims()))).resolves.toMatchObject({ aud: [AUDIENCE] });
    const both = await verifier.verify(
      await sign(claims({ aud: ['https://billing.yourapp.com', AUDIENCE] })),
    );
    expect(both.aud).toEqual(['https://billing.yourapp.com', AUDIENCE]);
  });

  it('scopes from a scopes array, the scope string or scp, as parseToken reads them', async () => {
    const verifier = verifierFor({ requiredScopes: ['users:read'] });
    for (const extra of [
      { scopes: ['users:read', 'orders:write'] },
      { scope: 'users:read orders:write' },
      { scp: ['users:read', 'orders:write'] },
      { scopes: ['users:read', 'orders:write'], scope: 'admin:all' },
    ]) {
      const verified = await verifier.verify(await sign(claims(extra)), { scopes: ['orders:write'] });
      expect(verified.scopes).toEqual(['users:read', 'orders:write']);
    }
    const error = await refusalOf(verifier.verify(await sign(claims({ scope: 'orders:write' }))));
    expect(error).toMatchObject({
      code: 'insufficient_scope',
      message: 'the token does not grant users:read',
    });
  });

  it('the algorithms option narrows what is accepted', async () => {
    await refusedWith(sign(claims()), "the token's algorithm (ES256) is not accepted", {
      algorithms: ['RS256'],
    });
  });

  it('a token bound by a confirmation it cannot check (cnf x5t#S256, RFC 8705) is refused', async () => {
    const bound = await sign(claims({ cnf: { 'x5t#S256': 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2' } }));
    await refusedWith(
      Promise.resolve(bound),
      'the token is bound to a key (cnf): present it with the DPoP scheme and a proof',
    );
    const request = new Request(AUDIENCE, { headers: { authorization: `DPoP ${bound}` } });
    const error = await refusalOf(verifierFor().verifyRequest(request));
    expect(error.message).toBe('the token is not DPoP-bound (cnf.jkt)');
  });
});

describe('the JWKS', () => {
  it('is fetched with the fetch option', async () => {
    const seen: string[] = [];
    const verifier = verifierFor({
      fetch: (input, init) => {
        seen.push(`${init?.method ?? 'GET'} ${String(input)}`);
        return fetch(input, init);
      },
    });
    await verifier.verify(await sign(claims()));
    await verifier.verify(await sign(claims()));
    expect(seen).toEqual([`GET ${jwks.url}/.well-known/jwks.json`]);
  });

  it('an answer that is not a JWK Set, or a redirect, is temporarily_unavailable', async () => {
    for (const step of [
      { body: 'key service is being deployed' },
      { body: { keys: 'none' } },
      { status: 302, headers: { location: 'https://elsewhere.example/jwks.json' }, body: '' },
      { body: { keys: [{ kty: 'EC', kid: 'own-key', alg: 'ES256', crv: 'P-256', x: 'AAAA', y: 'AAAA' }] } },
    ]) {
      jwks.setDefault(step);
      const error = await refusalOf(verifierFor().verify(await sign(claims())));
      expect(error).toMatchObject({ code: 'temporarily_unavailable', status: 503, retryable: true });
      expect(error.message).toMatch(
        /^the signing keys of the issuer could not be fetched from http:\/\/127\.0\.0\.1:\d+\/\.well-known\/jwks\.json: /,
      );
    }
  });
  it("a JWKS endpoint that does not answer fails after jose's 5 s timeout", async () => {
    jwks.setDefault({ hang: true });
    const error = await refusalOf(verifierFor().verify(await sign(claims())));
    expect(error).toMatchObject({ code: 'temporarily_unavailable', status: 503 });
    expect(error.message).toMatch(/: request timed out$/);
    expect(error.cause).toMatchObject({ cause: { code: 'ERR_JWKS_TIMEOUT' } });
  });
});

describe('configuration errors name the field', () => {
  const base = { url: 'https://auth.yourapp.com', audience: AUDIENCE };
  it.each([
    [{ ...base, algorithms: ['HS256'] }, /algorithms may hold only asymmetric JWS algorithms .*"HS256"/],
    [{ ...base, algorithms: ['none'] }, /algorithms may hold only asymmetric .*"none"/],
    [{ ...base, algorithms: [] }, /algorithms must be a non-empty array/],
    [{ ...base, dpop: { algorithms: ['HS512'] } }, /dpop\.algorithms may hold only asymmetric/],
    [{ audience: AUDIENCE }, /url or issuer is required/],
    [{ url: 'https://auth.yourapp.com' }, /audience must be a non-empty string/],
    [{ ...base, url: 'http://auth.yourapp.com' }, /url must use https:/],
    [{ ...base, jwksUri: 'http://keys.yourapp.com/jwks.json' }, /jwksUri must use https:/],
    [{ ...base, url: 'https://user:pw@auth.yourapp.com' }, /url must not contain credentials/],
    [{ ...base, url: 'not a url' }, /url is not a valid absolute URL/],
    [{ ...base, clockTolerance: -1 }, /clockTolerance must be a finite number >= 0/],
    [{ ...base, requiredScopes: ['users read'] }, /requiredScopes must be an array of scope tokens/],
    [{ ...base, fetch: 'fetch' }, /fetch must be a function/],
    [{ ...base, dpop: { replayCacheSize: 0 } }, /dpop\.replayCacheSize must be a whole number >= 1/],
  ])('%j', (options, message) => {
    expect(() => createM2MTokenVerifier(options as M2MTokenVerifierOptions)).toThrow(
      expect.objectContaining({ name: 'TypeError', message: expect.stringMatching(message) }),
    );
  });

  it('plain http for a non-loopback issuer only with allowInsecureHttp', () => {
    expect(() =>
      createM2MTokenVerifier({ url: 'http://auth.internal', audience: AUDIENCE, allowInsecureHttp: true }),
    ).not.toThrow();
  });
});
