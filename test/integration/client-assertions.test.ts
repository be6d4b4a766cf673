// private_key_jwt and client_secret_jwt on the wire, against the loopback token server: the form of the
// request, a new assertion for every attempt, the audience option, the key imported once and failing
// clearly, and the key's thumbprint (never the key) in shared-cache keys.
import { generateKeyPairSync } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { M2MClient, type M2MClientConfig } from '../../src/index.js';
import { memoryCache } from '../support/memory-cache.js';
import { rejectionOf, SECRET, useTokenServer } from './fixtures.js';

const t = useTokenServer();
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const pem = ec.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** A private_key_jwt client of the current server (no client secret). */
function keyClient(config: Omit<M2MClientConfig, 'url' | 'clientId'>): M2MClient {
  return new M2MClient({
    url: t.server.url,
    clientId: 'svc',
    authMethod: 'private_key_jwt',
    retryDelay: 1,
    ...config,
  });
}

const assertions = () => t.server.requests.map((request) => request.form.client_assertion ?? '');

describe('private_key_jwt', () => {
  it('sends client_id, the assertion type and an assertion signed with the key, and no secret', async () => {
    const m2m = keyClient({ privateKey: pem, privateKeyId: 'k-1' });
    await m2m.getToken();
    const [request] = t.server.requests;
    expect(Object.keys(request?.form ?? {}).sort()).toEqual([
      'client_assertion',
      'client_assertion_type',
      'client_id',
      'grant_type',
    ]);
    expect(request?.form.client_assertion_type).toBe(ASSERTION_TYPE);
    expect(request?.headers.authorization).toBeUndefined();
    const { payload, protectedHeader } = await jwtVerify(request?.form.client_assertion ?? '', ec.publicKey, {
      issuer: 'svc',
      subject: 'svc',
      audience: `${t.server.url}/oauth2/token`,
    });
    expect(protectedHeader).toEqual({ alg: 'ES256', kid: 'k-1' });
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(60);
    expect(Math.abs((payload.iat ?? 0) - Date.now() / 1000)).toBeLessThan(5);
  });

  it('signs a new assertion for every attempt: a retry never replays a jti', async () => {
    t.server.enqueue({ status: 503 }, { status: 500 }, { status: 502 });
    const m2m = keyClient({ privateKey: ec.privateKey });
    await m2m.getToken();
    await m2m.getToken({ forceRefresh: true });
    const jtis = assertions().map((assertion) => decodeJwt(assertion).jti);
    expect(jtis).toHaveLength(5);
    expect(new Set(jtis).size).toBe(5);
  });

  it("assertionAudience: 'issuer' sends the server's URL as aud", async () => {
    const m2m = keyClient({
      privateKey: ec.privateKey.export({ format: 'jwk' }),
      assertionAudience: 'issuer',
    });
    await m2m.getToken();
    expect(decodeJwt(assertions()[0] ?? '').aud).toBe(t.server.url);
  });

  it('revokes with an assertion too', async () => {
    const m2m = keyClient({ privateKey: pem });
    await m2m.getToken();
    await m2m.revokeToken();
    const revocation = t.server.requests[1];
    expect(revocation?.path).toBe('/oauth2/revoke');
    expect(revocation?.form.client_assertion_type).toBe(ASSERTION_TYPE);
    expect(decodeJwt(revocation?.form.client_assertion ?? '').aud).toBe(`${t.server.url}/oauth2/token`);
  });

  it('a key that cannot be imported fails on first use as invalid_client, status 0, nothing sent', async () => {
    const broken = { ...(ec.privateKey.export({ format: 'jwk' }) as JsonWebKey), d: 'AAAA' };
    const m2m = keyClient({ privateKey: broken });
    const error = await rejectionOf(m2m.getToken());
    expect(error).toMatchObject({ code: 'invalid_client', status: 0 });
    expect(error.message).toMatch(/^M2MClientConfig\.privateKey could not be imported for ES256/);
    expect(error.message).not.toContain(broken.x);
    expect(t.server.requests).toHaveLength(0);
  });

  it('a CryptoKey made for another algorithm than asked for is refused by the constructor', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    expect(() =>
      keyClient({
        privateKey,
        signingAlgorithm: 'PS256',
      }),
    ).toThrow(/M2MClientConfig\.signingAlgorithm cannot sign with PS256: the key signs with RS256/);
  });

  it("shares tokens under the key's RFC 7638 thumbprint: the same key in any form hits, another key misses", async () => {
    const cache = memoryCache();
    const client = (privateKey: unknown) =>
      keyClient({
        privateKey: privateKey as string,
        cache,
      });
    await client(pem).getToken();
    await client(ec.privateKey).getToken();
    await client(
      await exportJWK((await generateKeyPair('ES256', { extractable: true })).privateKey),
    ).getToken();
    expect(t.server.requests).toHaveLength(2);
    const keys = [...cache.tokens.keys()];
    expect(keys).toHaveLength(2);
    const d = (ec.privateKey.export({ format: 'jwk' }) as JsonWebKey).d ?? '';
    for (const key of keys) expect(key).not.toContain(d.slice(0, 12));
  });
});

describe('client_secret_jwt', () => {
  it('sends an HS256 assertion over the client secret, never the secret itself', async () => {
    const m2m = t.client({ authMethod: 'client_secret_jwt' });
    await m2m.getToken();
    const [request] = t.server.requests;
    expect(request?.raw).not.toContain(SECRET);
    expect(request?.form.client_secret).toBeUndefined();
    expect(request?.form.client_assertion_type).toBe(ASSERTION_TYPE);
    const assertion = request?.form.client_assertion ?? '';
    expect(decodeProtectedHeader(assertion)).toEqual({ alg: 'HS256' });
    const { payload } = await jwtVerify(assertion, new TextEncoder().encode(SECRET), {
      issuer: 'svc',
      subject: 'svc',
      audience: `${t.server.url}/oauth2/token`,
    });
    expect(payload.jti).toEqual(expect.any(String));
  });

  it('signs with a secret from a provider and recovers from a rotation with a new assertion', async () => {
    let secret = 'old-secret-value-of-some-length';
    const m2m = t.client({
      authMethod: 'client_secret_jwt',
      signingAlgorithm: 'HS512',
      clientSecret: async () => secret,
    });
    await m2m.getToken();
    secret = 'new-secret-value-of-some-length';
    t.server.enqueue({ status: 401, body: { error: 'invalid_client' } });
    await m2m.getToken({ forceRefresh: true });
    const signedWith = await Promise.all(
      assertions().map(async (assertion) => {
        for (const candidate of ['old-secret-value-of-some-length', 'new-secret-value-of-some-length']) {
          const verified = await jwtVerify(assertion, new TextEncoder().encode(candidate)).catch(
            () => undefined,
          );
          if (verified) return `${verified.protectedHeader.alg} ${candidate.slice(0, 3)}`;
        }
        return 'unverified';
      }),
    );
    expect(signedWith).toEqual(['HS512 old', 'HS512 old', 'HS512 new']);
  });
});
