import type { KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, importJWK, importPKCS8, type JWK } from 'jose';
import {
  type AssertionSigningAlgorithm,
  isTagged,
  type PrivateKeyInput,
  SigningKeyError,
} from './signing-key.js';

/** A private key ready to sign, and what identifies it without revealing it. */
export type ImportedSigningKey = {
  readonly key: CryptoKey | KeyObject;
  /**
   * The RFC 7638 JWK thumbprint of the public key (SHA-256, base64url): what the shared-cache key holds
   * in place of the key. For a non-extractable CryptoKey, whose public part cannot be read, `kid:` and
   * the key id when one is configured, otherwise an identity of that CryptoKey object in this process.
   */
  readonly thumbprint: string;
};

/** Identities of non-extractable CryptoKeys without a key id: one per key object, this process only. */
const objectIdentities = new WeakMap<CryptoKey, string>();

/**
 * Imports a private key once for signing (jose), and computes its thumbprint. A PEM or JWK becomes a
 * non-extractable CryptoKey; a CryptoKey or KeyObject is used as it is.
 * @throws SigningKeyError when the key material cannot be imported (the message never quotes it)
 * @see https://www.rfc-editor.org/rfc/rfc7638#section-3
 */
export async function importSigningKey(
  input: PrivateKeyInput,
  algorithm: AssertionSigningAlgorithm,
  keyId: string | undefined,
): Promise<ImportedSigningKey> {
  try {
    if (typeof input === 'string') {
      const exportable = await importPKCS8(input, algorithm, { extractable: true });
      const thumbprint = await calculateJwkThumbprint(await exportJWK(exportable));
      return { key: await importPKCS8(input, algorithm), thumbprint };
    }
    if (isTagged(input, 'KeyObject')) {
      const keyObject = input as KeyObject;
      return {
        key: keyObject,
        thumbprint: await calculateJwkThumbprint(keyObject.export({ format: 'jwk' }) as JWK),
      };
    }
    if (isTagged(input, 'CryptoKey')) {
      const cryptoKey = input as CryptoKey;
      return { key: cryptoKey, thumbprint: await cryptoKeyIdentity(cryptoKey, keyId) };
    }
    // A copy: jose freezes the JWK objects it is given, and the caller's object stays theirs.
    const jwk = { ...(input as JWK) };
    const key = await importJWK(jwk, algorithm);
    return { key: key as CryptoKey, thumbprint: await calculateJwkThumbprint(jwk) };
  } catch (error) {
    if (error instanceof SigningKeyError) throw error;
    // jose's messages describe the key type, never its material; the cause keeps the detail.
    throw new SigningKeyError(`could not be imported for ${algorithm}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

async function cryptoKeyIdentity(key: CryptoKey, keyId: string | undefined): Promise<string> {
  if (key.extractable) return calculateJwkThumbprint(await exportJWK(key));
  if (keyId !== undefined) return `kid:${keyId}`;
  let identity = objectIdentities.get(key);
  if (!identity) {
    identity = `object:${crypto.randomUUID()}`;
    objectIdentities.set(key, identity);
  }
  return identity;
}
