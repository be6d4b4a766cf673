// DPoP proof keys (RFC 9449 §4.2): generated or given, loaded once, public JWK and RFC 7638 thumbprint.
import { generateKeyPairSync } from 'node:crypto';
import { inspect } from 'node:util';
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { checkDpopConfig, loadDpopKey } from '../../src/client/dpop-key.js';
import { M2MConfigError } from '../../src/index.js';

async function configError(run: () => unknown): Promise<M2MConfigError> {
  const error = await Promise.resolve()
    .then(run)
    .then(
      () => undefined,
      (reason: unknown) => reason,
    );
  expect(error).toBeInstanceOf(M2MConfigError);
  return error as M2MConfigError;
}

describe('loadDpopKey', () => {
  it('true: a fresh ES256 pair, private key not extractable, public JWK without private members', async () => {
    const key = await loadDpopKey(true);
    expect(key.algorithm).toBe('ES256');
    expect(key.privateKey.extractable).toBe(false);
    expect(key.privateKey.type).toBe('private');
    expect(Object.keys(key.publicJwk).sort()).toEqual(['crv', 'kty', 'x', 'y']);
    expect(key.publicJwk).toMatchObject({ kty: 'EC', crv: 'P-256' });
    expect(key.thumbprint).toBe(await calculateJwkThumbprint(key.publicJwk));
    expect(key.thumbprint).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const other = await loadDpopKey(true);
    expect(other.thumbprint).not.toBe(key.thumbprint);
  });

  it('a private JWK: imported as a non-extractable CryptoKey, algorithm from the curve', async () => {
    const pair = await generateKeyPair('ES384', { extractable: true });
    const privateJwk = await exportJWK(pair.privateKey);
    const key = await loadDpopKey({ privateKey: privateJwk });
    expect(key.algorithm).toBe('ES384');
    expect(key.privateKey.extractable).toBe(false);
    expect(key.publicJwk).not.toHaveProperty('d');
    expect(key.thumbprint).toBe(await calculateJwkThumbprint(await exportJWK(pair.publicKey)));
  });

  it('a Node.js KeyObject (Ed25519): EdDSA', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const key = await loadDpopKey({ privateKey });
    expect(key.algorithm).toBe('EdDSA');
    expect(key.thumbprint).toBe(await calculateJwkThumbprint(await exportJWK(publicKey)));
  });

  it('RSA CryptoKeys take the algorithm from the key: RS256 for PKCS#1 v1.5, PS384 for PSS', async () => {
    const rs = await generateKeyPair('RS256', { extractable: true });
    expect((await loadDpopKey({ privateKey: rs.privateKey })).algorithm).toBe('RS256');
    const ps = await generateKeyPair('PS384', { extractable: true });
    expect((await loadDpopKey({ privateKey: ps.privateKey })).algorithm).toBe('PS384');
  });

  it('a non-extractable CryptoKey with its public key', async () => {
    const pair = await generateKeyPair('ES256');
    const key = await loadDpopKey({ privateKey: pair.privateKey, publicKey: pair.publicKey });
    expect(key.privateKey).toBe(pair.privateKey);
    expect(key.thumbprint).toBe(await calculateJwkThumbprint(await exportJWK(pair.publicKey)));
  });

  it('refuses a public key that is not the private key’s', async () => {
    const one = await generateKeyPair('ES256');
    const two = await generateKeyPair('ES256');
    const error = await configError(() =>
      loadDpopKey({ privateKey: one.privateKey, publicKey: two.publicKey }),
    );
    expect(error.message).toBe('M2MClientConfig.dpop.publicKey does not match dpop.privateKey');
  });

  it('refuses an algorithm the key cannot sign with', async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    const error = await configError(() => loadDpopKey({ privateKey: pair.privateKey, algorithm: 'ES384' }));
    expect(error.message).toContain('M2MClientConfig.dpop.privateKey');
    expect(error.message).toContain('ES384');
  });

  it('an RSA JWK without alg needs dpop.algorithm', async () => {
    const pair = await generateKeyPair('RS256', { extractable: true });
    const { alg: _alg, ...jwk } = await exportJWK(pair.privateKey);
    const error = await configError(() => loadDpopKey({ privateKey: jwk }));
    expect(error.message).toContain('M2MClientConfig.dpop.algorithm is required');
    expect((await loadDpopKey({ privateKey: jwk, algorithm: 'PS256' })).algorithm).toBe('PS256');
  });

  it('holds no private key material where it could be printed', async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    const privateJwk = await exportJWK(pair.privateKey);
    const key = await loadDpopKey({ privateKey: privateJwk });
    expect(inspect(key, { depth: 5 })).not.toContain(privateJwk.d);
    expect(JSON.stringify(key)).not.toContain(privateJwk.d);
  });
});

describe('checkDpopConfig', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const secretD = 'c2VjcmV0LXByaXZhdGUta2V5LW1hdGVyaWFs';

  it.each([
    [undefined],
    [true],
    [{ privateKey }],
    [{ privateKey, publicKey, algorithm: 'ES256' }],
    [{ privateKey: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: secretD } }],
  ])('accepts %#', (value) => {
    expect(() => checkDpopConfig(value)).not.toThrow();
  });

  it.each([
    [false, 'M2MClientConfig.dpop must be true or { privateKey, publicKey?, algorithm? }'],
    ['ES256', 'M2MClientConfig.dpop must be true or { privateKey, publicKey?, algorithm? }'],
    [{}, 'M2MClientConfig.dpop.privateKey must be a CryptoKey, a KeyObject or a JWK'],
    [{ privateKey: publicKey }, 'M2MClientConfig.dpop.privateKey must be a private key (got a public key)'],
    [
      { privateKey, publicKey: privateKey },
      'M2MClientConfig.dpop.publicKey must be a public key (got a private key)',
    ],
    [
      { privateKey: { kty: 'oct', k: secretD } },
      'M2MClientConfig.dpop.privateKey must be an EC, OKP or RSA JWK (asymmetric)',
    ],
    [
      { privateKey: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' } },
      'M2MClientConfig.dpop.privateKey must be a private JWK (with "d")',
    ],
    [{ privateKey, algorithm: 'HS256' }, 'M2MClientConfig.dpop.algorithm must be one of'],
  ])('refuses %#, naming the field', async (value, message) => {
    const error = await configError(() => checkDpopConfig(value));
    expect(error.message.startsWith(message)).toBe(true);
    expect(error.message).not.toContain(secretD);
  });

  it('requires the public key of a non-extractable CryptoKey', async () => {
    const pair = await generateKeyPair('ES256');
    const error = await configError(() => checkDpopConfig({ privateKey: pair.privateKey }));
    expect(error.message).toBe(
      'M2MClientConfig.dpop.publicKey is required when dpop.privateKey is a non-extractable CryptoKey',
    );
  });

  it('refuses a CryptoKey that cannot sign', async () => {
    const pair = await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, false, [
      'deriveBits',
    ]);
    const error = await configError(() =>
      checkDpopConfig({ privateKey: pair.privateKey, publicKey: pair.publicKey }),
    );
    expect(error.message).toBe("M2MClientConfig.dpop.privateKey must be a CryptoKey usable to 'sign'");
  });
});
