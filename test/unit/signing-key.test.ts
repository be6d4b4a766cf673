// The private key of private_key_jwt: its algorithm chosen and checked synchronously from every form a
// key may take, imported once, identified by its RFC 7638 thumbprint, never quoted in a message.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { importSigningKey } from '../../src/client/key-import.js';
import { pkcs8Shape } from '../../src/client/pkcs8.js';
import { SigningKeyError, signingAlgorithmFor } from '../../src/client/signing-key.js';

type Pair = { privateKey: KeyObject; publicKey: KeyObject };
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }) as Pair;
const rsaSmall = generateKeyPairSync('rsa', { modulusLength: 1024 }) as Pair;
const rsaPss = generateKeyPairSync('rsa-pss', { modulusLength: 2048 }) as Pair;
const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' }) as Pair;
const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }) as Pair;
const p521 = generateKeyPairSync('ec', { namedCurve: 'P-521' }) as Pair;
const secp256k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }) as Pair;
const ed25519 = generateKeyPairSync('ed25519') as Pair;
const x25519 = generateKeyPairSync('x25519') as Pair;

const pem = (pair: Pair) => pair.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
const jwk = (pair: Pair) => pair.privateKey.export({ format: 'jwk' }) as JsonWebKey;

describe('pkcs8Shape reads the key type of a PEM without importing it', () => {
  it.each([
    ['RSA 2048', rsa, { kind: 'RSA', modulusBits: 2048 }],
    ['RSA 1024', rsaSmall, { kind: 'RSA', modulusBits: 1024 }],
    ['RSA-PSS', rsaPss, { kind: 'RSA-PSS', modulusBits: 2048 }],
    ['P-256', p256, { kind: 'EC', curve: 'P-256' }],
    ['P-521', p521, { kind: 'EC', curve: 'P-521' }],
    ['secp256k1', secp256k1, { kind: 'EC', curve: undefined }],
    ['Ed25519', ed25519, { kind: 'Ed25519' }],
  ] as const)('%s', (_name, pair, shape) => {
    expect(pkcs8Shape(pem(pair))).toEqual(shape);
  });

  it('accepts CRLF line ends and surrounding white space', () => {
    expect(pkcs8Shape(`\n  ${pem(p256).replaceAll('\n', '\r\n')}  \n`)).toEqual({
      kind: 'EC',
      curve: 'P-256',
    });
  });

  it.each([
    [
      'PKCS#1',
      rsa.privateKey.export({ format: 'pem', type: 'pkcs1' }) as string,
      /RSA PRIVATE KEY PEM, not PKCS#8/,
    ],
    [
      'SEC1',
      p256.privateKey.export({ format: 'pem', type: 'sec1' }) as string,
      /EC PRIVATE KEY PEM, not PKCS#8/,
    ],
    ['a public key', p256.publicKey.export({ format: 'pem', type: 'spki' }) as string, /PUBLIC KEY PEM/],
    [
      'an encrypted key',
      p256.privateKey.export({
        format: 'pem',
        type: 'pkcs8',
        cipher: 'aes-256-cbc',
        passphrase: 'pw',
      }) as string,
      /encrypted/,
    ],
    ['not PEM', 'just some text', /not a PEM document/],
    ['bad base64', '-----BEGIN PRIVATE KEY-----\nAAA=A\n-----END PRIVATE KEY-----', /base64/],
    [
      'not DER',
      `-----BEGIN PRIVATE KEY-----\n${btoa('hello world, not DER')}\n-----END PRIVATE KEY-----`,
      /well-formed/,
    ],
    ['X25519', pem(x25519), /other than RSA/],
  ])('refuses %s without quoting it', (_name, text, message) => {
    let caught: unknown;
    try {
      pkcs8Shape(text);
    } catch (error) {
      caught = error;
    }
    expect((caught as Error).message).toMatch(message);
    const body = text.split('\n').slice(1, -2).join('');
    if (body.length > 16) expect((caught as Error).message).not.toContain(body.slice(0, 16));
  });
});

describe('signingAlgorithmFor: the default from the key, a mismatch refused', () => {
  const cryptoKeys = async () => ({
    rs384: (await generateKeyPair('RS384')).privateKey,
    ps256: (await generateKeyPair('PS256')).privateKey,
    es256: (await generateKeyPair('ES256')).privateKey,
    eddsa: (await generateKeyPair('EdDSA')).privateKey,
  });

  it.each([
    ['RSA PEM', pem(rsa), 'RS256'],
    ['RSA-PSS PEM', pem(rsaPss), 'PS256'],
    ['P-256 PEM', pem(p256), 'ES256'],
    ['P-384 KeyObject', p384.privateKey, 'ES384'],
    ['P-521 JWK', jwk(p521), 'ES512'],
    ['Ed25519 PEM', pem(ed25519), 'EdDSA'],
    ['Ed25519 KeyObject', ed25519.privateKey, 'EdDSA'],
    ['RSA JWK', jwk(rsa), 'RS256'],
    ['RSA JWK naming PS384', { ...jwk(rsa), alg: 'PS384' }, 'PS384'],
  ])('%s defaults to %s', (_name, key, algorithm) => {
    expect(signingAlgorithmFor(key)).toBe(algorithm);
  });

  it('CryptoKeys sign with the algorithm they were made for', async () => {
    const keys = await cryptoKeys();
    expect(signingAlgorithmFor(keys.rs384)).toBe('RS384');
    expect(signingAlgorithmFor(keys.ps256)).toBe('PS256');
    expect(signingAlgorithmFor(keys.es256)).toBe('ES256');
    expect(signingAlgorithmFor(keys.eddsa)).toBe('EdDSA');
    expect(() => signingAlgorithmFor(keys.rs384, 'RS256')).toThrow(
      /cannot sign with RS256: the key signs with RS384/,
    );
    const { publicKey } = await generateKeyPair('ES256');
    expect(() => signingAlgorithmFor(publicKey)).toThrow(/public CryptoKey/);
  });

  it.each([
    ['RSA key, ES256', pem(rsa), 'ES256'],
    ['P-256 key, ES384', pem(p256), 'ES384'],
    ['P-384 key, ES256', p384.privateKey, 'ES256'],
    ['Ed25519 key, ES256', pem(ed25519), 'ES256'],
    ['RSA-PSS key, RS256', pem(rsaPss), 'RS256'],
    ['EC key, HS256', jwk(p256), 'HS256'],
    ['JWK naming RS256, PS256', { ...jwk(rsa), alg: 'RS256' }, 'PS256'],
    ['an unknown algorithm', pem(rsa), 'RS1'],
    ['none', pem(rsa), 'none'],
  ])('refuses %s', (_name, key, algorithm) => {
    expect(() => signingAlgorithmFor(key, algorithm)).toThrow(SigningKeyError);
  });

  it.each([
    ['a 1024-bit RSA PEM', pem(rsaSmall), /1024-bit RSA key/],
    ['a 1024-bit RSA KeyObject', rsaSmall.privateKey, /1024-bit/],
    ['a 1024-bit RSA JWK', jwk(rsaSmall), /1024-bit/],
    ['a public KeyObject', p256.publicKey, /public KeyObject/],
    ['a public JWK', p256.publicKey.export({ format: 'jwk' }), /without "d"/],
    ['a secp256k1 KeyObject', secp256k1.privateKey, /secp256k1/],
    ['an X25519 KeyObject', x25519.privateKey, /x25519 KeyObject/],
    ['an oct JWK', { kty: 'oct', k: 'c2VjcmV0', d: 'x' }, /kty "oct"/],
    ['a JWK whose alg does not fit', { ...jwk(p256), alg: 'RS256' }, /does not fit/],
    ['a number', 42, /must be a CryptoKey/],
    ['null', null, /must be a CryptoKey/],
  ])('refuses %s', (_name, key, message) => {
    expect(() => signingAlgorithmFor(key)).toThrow(message);
  });

  it('never quotes the key', () => {
    const privateJwk = jwk(p256);
    const messages = [
      { ...privateJwk, alg: 'RS256' },
      { ...privateJwk, crv: 'P-999' },
    ].map((key) => {
      try {
        signingAlgorithmFor(key);
        return 'accepted';
      } catch (error) {
        return (error as Error).message;
      }
    });
    expect(messages).toEqual([expect.stringMatching(/does not fit/), expect.stringMatching(/P-999/)]);
    for (const message of messages) expect(message).not.toContain(privateJwk.d);
  });
});

describe('importSigningKey: once, with the RFC 7638 thumbprint of the public key', () => {
  it('gives every form of one key the same thumbprint', async () => {
    const expected = await calculateJwkThumbprint(p256.publicKey.export({ format: 'jwk' }) as never);
    const extractable = (await generateKeyPair('ES256', { extractable: true })).privateKey;
    const forms = [pem(p256), jwk(p256), p256.privateKey];
    for (const form of forms) {
      const imported = await importSigningKey(form, 'ES256', undefined);
      expect(imported.thumbprint).toBe(expected);
    }
    const fromCryptoKey = await importSigningKey(extractable, 'ES256', undefined);
    expect(fromCryptoKey.thumbprint).toBe(await calculateJwkThumbprint(await exportJWK(extractable)));
    expect(fromCryptoKey.key).toBe(extractable);
  });

  it('a PEM becomes a non-extractable CryptoKey; a JWK is not frozen or changed', async () => {
    const fromPem = await importSigningKey(pem(ed25519), 'EdDSA', undefined);
    expect((fromPem.key as CryptoKey).extractable).toBe(false);
    const privateJwk = jwk(rsa);
    const copy = structuredClone(privateJwk);
    const fromJwk = await importSigningKey(privateJwk, 'PS256', undefined);
    expect((fromJwk.key as CryptoKey).extractable).toBe(false);
    expect(Object.isFrozen(privateJwk)).toBe(false);
    expect(privateJwk).toEqual(copy);
  });

  it('a non-extractable CryptoKey is identified by its key id, or by the object in this process', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    expect((await importSigningKey(privateKey, 'ES256', 'key-7')).thumbprint).toBe('kid:key-7');
    const first = await importSigningKey(privateKey, 'ES256', undefined);
    const again = await importSigningKey(privateKey, 'ES256', undefined);
    const other = await importSigningKey((await generateKeyPair('ES256')).privateKey, 'ES256', undefined);
    expect(first.thumbprint).toMatch(/^object:/);
    expect(again.thumbprint).toBe(first.thumbprint);
    expect(other.thumbprint).not.toBe(first.thumbprint);
  });

  it('a key that passes the synchronous check but cannot be imported fails clearly, without its material', async () => {
    // A P-256 JWK whose private scalar is garbage: well-formed enough to pass, unusable by Web Crypto.
    const broken = { ...jwk(p256), d: 'AAAA' };
    expect(signingAlgorithmFor(broken)).toBe('ES256');
    const error = await importSigningKey(broken, 'ES256', undefined).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SigningKeyError);
    expect((error as Error).message).toMatch(/could not be imported for ES256/);
    expect((error as Error).message).not.toContain(jwk(p256).x);
  });
});
