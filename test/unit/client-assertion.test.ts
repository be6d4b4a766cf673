// One client assertion per attempt (RFC 7523 §3): the claims a server checks, a fresh jti each time,
// signed with the private key or, for client_secret_jwt, HMAC with the secret.
import { generateKeyPairSync } from 'node:crypto';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  ASSERTION_LIFETIME_SECONDS,
  JWT_BEARER_ASSERTION_TYPE,
  signClientAssertion,
} from '../../src/client/client-assertion.js';

const TOKEN_ENDPOINT = 'https://auth.example.test/oauth2/token';

describe('signClientAssertion', () => {
  it('private_key_jwt: iss = sub = client id, aud, jti, iat now, exp 60 s later, kid in the header', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const now = Math.floor(Date.now() / 1000);
    const fields = await signClientAssertion({
      clientId: 'svc-orders',
      audience: TOKEN_ENDPOINT,
      key: privateKey,
      algorithm: 'ES256',
      keyId: 'key-2026',
      now,
    });
    expect(fields.client_id).toBe('svc-orders');
    expect(fields.client_assertion_type).toBe(JWT_BEARER_ASSERTION_TYPE);
    expect(JWT_BEARER_ASSERTION_TYPE).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    const { payload, protectedHeader } = await jwtVerify(fields.client_assertion, publicKey, {
      issuer: 'svc-orders',
      subject: 'svc-orders',
      audience: TOKEN_ENDPOINT,
      algorithms: ['ES256'],
    });
    expect(protectedHeader).toEqual({ alg: 'ES256', kid: 'key-2026' });
    expect(payload.iat).toBe(now);
    expect(payload.exp).toBe(now + ASSERTION_LIFETIME_SECONDS);
    expect(ASSERTION_LIFETIME_SECONDS).toBe(60);
    expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(payload.aud).toBe(TOKEN_ENDPOINT);
  });

  it('a new jti for every assertion', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const input = { clientId: 'c', audience: TOKEN_ENDPOINT, key: privateKey, algorithm: 'EdDSA' } as const;
    const assertions = await Promise.all(Array.from({ length: 20 }, () => signClientAssertion(input)));
    const jtis = assertions.map((fields) => {
      const [, payload] = fields.client_assertion.split('.');
      return JSON.parse(Buffer.from(payload as string, 'base64url').toString()).jti;
    });
    expect(new Set(jtis).size).toBe(20);
  });

  it('client_secret_jwt: HS256 over the secret, no kid unless configured', async () => {
    const secret = new TextEncoder().encode('a client secret of thirty-two bytes or more');
    const fields = await signClientAssertion({
      clientId: 'svc',
      audience: 'https://auth.example.test',
      key: secret,
      algorithm: 'HS256',
    });
    expect(decodeProtectedHeader(fields.client_assertion)).toEqual({ alg: 'HS256' });
    const { payload } = await jwtVerify(fields.client_assertion, secret, {
      audience: 'https://auth.example.test',
    });
    expect(payload.iss).toBe('svc');
    await expect(
      jwtVerify(fields.client_assertion, new TextEncoder().encode('another secret of thirty-two bytes!!')),
    ).rejects.toThrow(/signature/);
  });
});
