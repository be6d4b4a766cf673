import {
  CompactSign,
  calculateJwkThumbprint,
  compactVerify,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
} from 'jose';
import { fail } from './config-error.js';
import { isTagged } from './signing-key.js';

/**
 * A Node.js `KeyObject` (from `node:crypto`), described by its shape so that these declarations need
 * no Node.js types.
 * @see https://nodejs.org/api/crypto.html#class-keyobject
 */
export type M2MKeyObject = {
  /** `'private'` or `'public'` for the asymmetric keys a proof key may be. */
  readonly type: string;
};

/**
 * Key material for a DPoP proof key: a Web Crypto key, a Node.js KeyObject or a JWK (EC, OKP or RSA).
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-4.2 (the proof's asymmetric key)
 * @see https://www.rfc-editor.org/rfc/rfc7517 (JWK)
 */
export type M2MDpopKeyMaterial = CryptoKey | M2MKeyObject | JsonWebKey;

/**
 * The `dpop` option: `true` for a generated ES256 key pair, or a key of your own. Give the same key to
 * every replica that shares a token cache: a DPoP-bound token is only usable with its key.
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-4.2 (proofs)
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-5 (DPoP access token request)
 */
export type M2MDpopConfig =
  | true
  | {
      /** The private key that signs proofs (EC, OKP or RSA). */
      privateKey: M2MDpopKeyMaterial;
      /** Its public key; required when `privateKey` is a non-extractable CryptoKey. */
      publicKey?: M2MDpopKeyMaterial;
      /** JWS algorithm of the proofs (default: from the key, ES256 for a P-256 key). */
      algorithm?: string;
    };

/**
 * A loaded DPoP proof key: the private key that signs, the public JWK that every proof carries in its
 * header, and that JWK's thumbprint, which the server binds tokens to (`cnf.jkt`).
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-4.2 (the `jwk` header)
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-6.1 (`cnf.jkt`)
 */
export type DpopKey = {
  readonly privateKey: CryptoKey;
  /** The public members only (RFC 7638 §3.2): never anything private. */
  readonly publicJwk: Readonly<JWK>;
  readonly algorithm: string;
  /** base64url SHA-256 JWK thumbprint of the public key. @see https://www.rfc-editor.org/rfc/rfc7638#section-3 */
  readonly thumbprint: string;
};

/** The JWS algorithms a proof key may use: asymmetric only (RFC 9449 §4.2, `alg`). */
export const DPOP_ALGORITHMS: readonly string[] =
  'ES256 ES384 ES512 EdDSA Ed25519 RS256 RS384 RS512 PS256 PS384 PS512'.split(' ');

const PUBLIC_MEMBERS: Record<string, readonly string[]> = {
  EC: ['crv', 'x', 'y'],
  OKP: ['crv', 'x'],
  RSA: ['e', 'n'],
};
const CURVE_ALGORITHMS: Record<string, string> = {
  'P-256': 'ES256',
  'P-384': 'ES384',
  'P-521': 'ES512',
  Ed25519: 'EdDSA',
};

const isCryptoKey = (value: unknown): value is CryptoKey => isTagged(value, 'CryptoKey');
const isKeyObject = (value: unknown): value is { type: string } => isTagged(value, 'KeyObject');
const isJwk = (value: unknown): value is JsonWebKey & { kty: string } =>
  typeof value === 'object' && value !== null && typeof (value as JsonWebKey).kty === 'string';

/** The `dpop` option, checked in the constructor. Messages name the field, never the key. */
export function checkDpopConfig(value: unknown): void {
  if (value === undefined || value === true) return;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail('dpop', 'must be true or { privateKey, publicKey?, algorithm? }');
  }
  const { privateKey, publicKey, algorithm } = value as Record<string, unknown>;
  checkKey(privateKey, 'private', 'dpop.privateKey');
  if (publicKey !== undefined) checkKey(publicKey, 'public', 'dpop.publicKey');
  if (algorithm !== undefined && !DPOP_ALGORITHMS.includes(algorithm as string)) {
    fail('dpop.algorithm', `must be one of ${DPOP_ALGORITHMS.join(', ')}`);
  }
  if (isCryptoKey(privateKey) && !privateKey.extractable && publicKey === undefined) {
    fail('dpop.publicKey', 'is required when dpop.privateKey is a non-extractable CryptoKey');
  }
}

function checkKey(key: unknown, type: 'private' | 'public', field: string): void {
  if (isCryptoKey(key) || isKeyObject(key)) {
    if (key.type !== type) fail(field, `must be a ${type} key (got a ${key.type} key)`);
    if (isCryptoKey(key) && type === 'private' && !key.usages.includes('sign')) {
      fail(field, "must be a CryptoKey usable to 'sign'");
    }
    return;
  }
  if (!isJwk(key)) fail(field, 'must be a CryptoKey, a KeyObject or a JWK');
  if (!(key.kty in PUBLIC_MEMBERS)) fail(field, 'must be an EC, OKP or RSA JWK (asymmetric)');
  if (type === 'private' && typeof key.d !== 'string') fail(field, 'must be a private JWK (with "d")');
}

/**
 * Loads the proof key of the `dpop` option. `true` generates an ES256 key pair whose private key cannot
 * be exported; a given key is imported once as a non-extractable CryptoKey. One probe signature checks
 * that key, algorithm and public key fit together, so a mismatch fails here with a clear message rather
 * than as a rejected proof.
 * @throws M2MConfigError naming the field at fault
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-4.2
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-11.4 (protecting the private key)
 */
export async function loadDpopKey(config: M2MDpopConfig): Promise<DpopKey> {
  if (config === true) {
    const pair = await generateKeyPair('ES256', { extractable: false });
    return withThumbprint(pair.privateKey, publicMembers(await exportJWK(pair.publicKey)), 'ES256');
  }
  checkDpopConfig(config);
  const publicJwk = publicMembers(await toJwk(config.publicKey ?? config.privateKey));
  const algorithm = config.algorithm ?? algorithmFor(publicJwk, config.privateKey);
  let privateKey: CryptoKey;
  try {
    privateKey = isCryptoKey(config.privateKey)
      ? config.privateKey
      : ((await importJWK(await toJwk(config.privateKey), algorithm, { extractable: false })) as CryptoKey);
  } catch {
    fail('dpop.privateKey', `cannot be used with algorithm ${algorithm}`);
  }
  await probe(privateKey, publicJwk, algorithm, config.publicKey !== undefined);
  return withThumbprint(privateKey, publicJwk, algorithm);
}

async function withThumbprint(privateKey: CryptoKey, publicJwk: JWK, algorithm: string): Promise<DpopKey> {
  const thumbprint = await calculateJwkThumbprint(publicJwk, 'sha256');
  return { privateKey, publicJwk: Object.freeze(publicJwk), algorithm, thumbprint };
}

async function toJwk(key: M2MDpopKeyMaterial): Promise<JWK> {
  return isJwk(key) ? ({ ...key } as JWK) : exportJWK(key as CryptoKey);
}

/** The public members of a JWK, the same set its thumbprint is computed over (RFC 7638 §3.2). */
function publicMembers(jwk: JWK): JWK {
  const kty = jwk.kty ?? '';
  const members = PUBLIC_MEMBERS[kty] ?? fail('dpop', 'key must be an EC, OKP or RSA key');
  const result: JWK = { kty };
  for (const member of members) {
    const value = (jwk as Record<string, unknown>)[member];
    if (typeof value !== 'string') fail('dpop', `key is missing its public "${member}" member`);
    (result as Record<string, unknown>)[member] = value;
  }
  return result;
}

/** The algorithm a key implies: by curve for EC and OKP keys; RSA keys say it in `alg` or the key's hash. */
function algorithmFor(publicJwk: JWK, privateKey: M2MDpopKeyMaterial): string {
  const byCurve = publicJwk.crv === undefined ? undefined : CURVE_ALGORITHMS[publicJwk.crv];
  if (byCurve) return byCurve;
  const declared = isJwk(privateKey) ? privateKey.alg : undefined;
  if (declared && DPOP_ALGORITHMS.includes(declared)) return declared;
  if (isCryptoKey(privateKey)) {
    const { name, hash } = privateKey.algorithm as RsaHashedKeyAlgorithm;
    const bits = hash?.name?.replace('SHA-', '');
    if (name === 'RSASSA-PKCS1-v1_5' && bits) return `RS${bits}`;
    if (name === 'RSA-PSS' && bits) return `PS${bits}`;
  }
  return fail('dpop.algorithm', `is required for this key (kty ${publicJwk.kty}, no curve or alg to go by)`);
}

const PROBE = new TextEncoder().encode('dpop key probe');

async function probe(
  privateKey: CryptoKey,
  publicJwk: JWK,
  algorithm: string,
  verify: boolean,
): Promise<void> {
  let jws: string;
  try {
    jws = await new CompactSign(PROBE).setProtectedHeader({ alg: algorithm }).sign(privateKey);
  } catch {
    fail('dpop.privateKey', `cannot sign with algorithm ${algorithm}`);
  }
  if (!verify) return;
  try {
    await compactVerify(jws, await importJWK(publicJwk, algorithm));
  } catch {
    fail('dpop.publicKey', 'does not match dpop.privateKey');
  }
}
