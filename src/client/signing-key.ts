import type { KeyObject } from 'node:crypto';
import { pkcs8Shape } from './pkcs8.js';

/**
 * The private key of `private_key_jwt`: a Web Crypto `CryptoKey`, a Node.js `KeyObject` (described by
 * its shape, so that the declarations need neither Node.js types nor jose's), a private JWK (RFC 7517),
 * or a PKCS#8 PEM string (`-----BEGIN PRIVATE KEY-----`).
 * @see https://www.rfc-editor.org/rfc/rfc7517
 * @see https://www.rfc-editor.org/rfc/rfc5208#section-5
 */
export type PrivateKeyInput =
  | CryptoKey
  | {
      /** A Node.js `KeyObject`'s type: `'private'` for a key that signs. */
      readonly type: string;
    }
  | JsonWebKey
  | string;

/**
 * JWS algorithms a client assertion may be signed with: RSA, RSA-PSS, ECDSA and EdDSA for
 * `private_key_jwt`, HMAC for `client_secret_jwt`.
 * @see https://www.rfc-editor.org/rfc/rfc7518#section-3.1
 * @see https://www.rfc-editor.org/rfc/rfc8037#section-3.1
 */
export type AssertionSigningAlgorithm =
  | 'RS256'
  | 'RS384'
  | 'RS512'
  | 'PS256'
  | 'PS384'
  | 'PS512'
  | 'ES256'
  | 'ES384'
  | 'ES512'
  | 'EdDSA'
  | 'HS256'
  | 'HS384'
  | 'HS512';

const ALGORITHMS: readonly string[] = [
  ...['RS', 'PS', 'ES', 'HS'].flatMap((family) => [`${family}256`, `${family}384`, `${family}512`]),
  'EdDSA',
];

/** The algorithms of a `client_secret_jwt` assertion: HMAC with the client secret (RFC 7518 §3.2). */
export const HMAC_ALGORITHMS: readonly AssertionSigningAlgorithm[] = ['HS256', 'HS384', 'HS512'];

/** What a key is, as far as choosing and checking its algorithm goes. */
type KeyShape = {
  /** The algorithms the key can sign with; the first is its default. */
  algorithms: readonly AssertionSigningAlgorithm[];
  /** For RSA: modulus size in bits, when known without importing. */
  modulusBits?: number | undefined;
};

/** A private key that cannot sign a client assertion; the message never quotes the key. */
export class SigningKeyError extends Error {}

const RSA: readonly AssertionSigningAlgorithm[] = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
const PSS: readonly AssertionSigningAlgorithm[] = ['PS256', 'PS384', 'PS512'];
const CURVES: Record<string, AssertionSigningAlgorithm> = {
  'P-256': 'ES256',
  'P-384': 'ES384',
  'P-521': 'ES512',
};
const NODE_CURVES: Record<string, string> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };
/** RFC 7518 §3.3: "A key of size 2048 bits or larger MUST be used with these algorithms." */
const MIN_RSA_BITS = 2048;

/**
 * The algorithm to sign with: `requested` when the key can sign with it, otherwise the key's default
 * (RS256 for RSA, PS256 for RSA-PSS, ES256/384/512 for P-256/384/521, EdDSA for Ed25519). Synchronous,
 * so that a mismatch is refused when the client is constructed.
 * @throws SigningKeyError when the key is not a private signing key or does not fit `requested`
 * @see https://www.rfc-editor.org/rfc/rfc7518#section-3.1
 */
export function signingAlgorithmFor(key: unknown, requested?: string): AssertionSigningAlgorithm {
  const shape = keyShape(key);
  if (shape.modulusBits !== undefined && shape.modulusBits < MIN_RSA_BITS) {
    throw new SigningKeyError(
      `is a ${shape.modulusBits}-bit RSA key; RFC 7518 §3.3 requires ${MIN_RSA_BITS} bits or more`,
    );
  }
  const fallback = shape.algorithms[0] as AssertionSigningAlgorithm;
  if (requested === undefined) return fallback;
  if (!(shape.algorithms as readonly string[]).includes(requested)) {
    // Named only when it is an algorithm: a value in the wrong field may be a secret.
    const named = ALGORITHMS.includes(requested) ? requested : 'an unknown algorithm';
    throw new SigningKeyError(`cannot sign with ${named}: the key signs with ${shape.algorithms.join(', ')}`);
  }
  return requested as AssertionSigningAlgorithm;
}

function keyShape(key: unknown): KeyShape {
  if (typeof key === 'string') return pemShape(key);
  if (isTagged(key, 'CryptoKey')) return cryptoKeyShape(key as CryptoKey);
  if (isTagged(key, 'KeyObject')) return keyObjectShape(key as KeyObject);
  if (typeof key === 'object' && key !== null && !Array.isArray(key)) return jwkShape(key as JsonWebKey);
  throw new SigningKeyError('must be a CryptoKey, a KeyObject, a private JWK or a PKCS#8 PEM string');
}

/** Whether `value` is a Web Crypto `CryptoKey` or a Node.js `KeyObject`, by its `Symbol.toStringTag` (as jose tells them). */
export function isTagged(value: unknown, tag: 'CryptoKey' | 'KeyObject'): boolean {
  return (
    typeof value === 'object' && value !== null && Object.prototype.toString.call(value) === `[object ${tag}]`
  );
}

function pemShape(pem: string): KeyShape {
  let shape: ReturnType<typeof pkcs8Shape>;
  try {
    shape = pkcs8Shape(pem);
  } catch (error) {
    throw new SigningKeyError((error as Error).message);
  }
  if (shape.kind === 'EC') return { algorithms: curveAlgorithms(shape.curve) };
  if (shape.kind === 'Ed25519') return { algorithms: ['EdDSA'] };
  return { algorithms: shape.kind === 'RSA' ? RSA : PSS, modulusBits: shape.modulusBits };
}

function cryptoKeyShape(key: CryptoKey): KeyShape {
  if (key.type !== 'private') throw new SigningKeyError(`is a ${key.type} CryptoKey, not a private key`);
  if (!key.usages.includes('sign'))
    throw new SigningKeyError('is a CryptoKey whose usages do not include "sign"');
  const algorithm = key.algorithm as KeyAlgorithm & {
    hash?: { name: string };
    namedCurve?: string;
    modulusLength?: number;
  };
  const bits = algorithm.hash?.name.replace('SHA-', '');
  switch (algorithm.name) {
    case 'RSASSA-PKCS1-v1_5':
      return { algorithms: [`RS${bits}` as AssertionSigningAlgorithm], modulusBits: algorithm.modulusLength };
    case 'RSA-PSS':
      return { algorithms: [`PS${bits}` as AssertionSigningAlgorithm], modulusBits: algorithm.modulusLength };
    case 'ECDSA':
      return { algorithms: curveAlgorithms(algorithm.namedCurve) };
    case 'Ed25519':
      return { algorithms: ['EdDSA'] };
    default:
      throw new SigningKeyError(
        `is a ${algorithm.name} CryptoKey; RSA, RSA-PSS, ECDSA or Ed25519 signs assertions`,
      );
  }
}

function keyObjectShape(key: KeyObject): KeyShape {
  if (key.type !== 'private') throw new SigningKeyError(`is a ${key.type} KeyObject, not a private key`);
  const details = key.asymmetricKeyDetails;
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return { algorithms: RSA, modulusBits: details?.modulusLength };
    case 'rsa-pss':
      return { algorithms: PSS, modulusBits: details?.modulusLength };
    case 'ec':
      return { algorithms: curveAlgorithms(NODE_CURVES[details?.namedCurve ?? ''] ?? details?.namedCurve) };
    case 'ed25519':
      return { algorithms: ['EdDSA'] };
    default:
      throw new SigningKeyError(
        `is a ${String(key.asymmetricKeyType)} KeyObject; RSA, RSA-PSS, EC or Ed25519 signs assertions`,
      );
  }
}

function jwkShape(jwk: JsonWebKey): KeyShape {
  if (typeof jwk.d !== 'string')
    throw new SigningKeyError('is a JWK without "d": a public key, not a private one');
  const shape = jwkKtyShape(jwk);
  if (jwk.alg === undefined) return shape;
  // A JWK that names its algorithm (RFC 7517 §4.4) signs with that one only.
  if (!(shape.algorithms as readonly string[]).includes(jwk.alg)) {
    throw new SigningKeyError(
      `is a ${jwk.kty} JWK whose "alg" ${JSON.stringify(jwk.alg)} does not fit its key type`,
    );
  }
  return { ...shape, algorithms: [jwk.alg as AssertionSigningAlgorithm] };
}

function jwkKtyShape(jwk: JsonWebKey): KeyShape {
  if (jwk.kty === 'RSA') {
    // The modulus is base64url without padding: 4 characters for every 3 bytes.
    const bytes = Math.floor(((jwk.n ?? '').length * 3) / 4);
    return { algorithms: RSA, modulusBits: bytes * 8 };
  }
  if (jwk.kty === 'EC') return { algorithms: curveAlgorithms(jwk.crv) };
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return { algorithms: ['EdDSA'] };
  throw new SigningKeyError(
    `is a JWK of kty ${JSON.stringify(jwk.kty)}${jwk.crv ? ` (${jwk.crv})` : ''}; RSA, EC or OKP Ed25519 signs assertions`,
  );
}

function curveAlgorithms(curve: string | undefined): readonly AssertionSigningAlgorithm[] {
  const algorithm = curve === undefined ? undefined : CURVES[curve];
  if (!algorithm)
    throw new SigningKeyError(
      `is an EC key on ${curve ?? 'an unnamed curve'}; P-256, P-384 or P-521 signs assertions`,
    );
  return [algorithm];
}
