import { type KeyObject, SignJWT } from 'jose';
import type { AssertionSigningAlgorithm } from './signing-key.js';

/** RFC 7523 §2.2: the `client_assertion_type` of a JWT client assertion. */
export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** How long an assertion is valid: long enough for one attempt, short enough to be worthless once seen. */
export const ASSERTION_LIFETIME_SECONDS = 60;

/** The form fields that authenticate the client with a JWT assertion (RFC 7521 §4.2). */
export type AssertionFields = {
  client_id: string;
  client_assertion_type: typeof JWT_BEARER_ASSERTION_TYPE;
  client_assertion: string;
};

/** What one assertion is made of: who signs it, for whom, with which key and algorithm. */
export type AssertionInput = {
  clientId: string;
  /** The `aud` claim: the token endpoint URL, or the server's URL (issuer). */
  audience: string;
  /** The private key (private_key_jwt) or the client secret's bytes (client_secret_jwt). */
  key: CryptoKey | KeyObject | Uint8Array;
  algorithm: AssertionSigningAlgorithm;
  /** The JWS `kid` header, when configured. */
  keyId?: string | undefined;
  /** Seconds since the epoch (default: now). */
  now?: number;
};

/**
 * Signs one client assertion (RFC 7523 §3, OIDC Core §9): `iss` = `sub` = the client id, `aud`, a random
 * `jti`, `iat` now and `exp` {@link ASSERTION_LIFETIME_SECONDS} later. Call it for every attempt: an
 * assertion is never sent twice, so a server that remembers `jti`s never sees one replayed.
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-3
 * @see https://www.rfc-editor.org/rfc/rfc7521#section-4.2
 * @see https://openid.net/specs/openid-connect-core-1_0.html#ClientAuthentication
 */
export async function signClientAssertion(input: AssertionInput): Promise<AssertionFields> {
  const now = input.now ?? Math.floor(Date.now() / 1000);
  const assertion = await new SignJWT({})
    .setProtectedHeader({ alg: input.algorithm, ...(input.keyId !== undefined && { kid: input.keyId }) })
    .setIssuer(input.clientId)
    .setSubject(input.clientId)
    .setAudience(input.audience)
    .setJti(crypto.randomUUID())
    .setIssuedAt(now)
    .setExpirationTime(now + ASSERTION_LIFETIME_SECONDS)
    .sign(input.key);
  return {
    client_id: input.clientId,
    client_assertion_type: JWT_BEARER_ASSERTION_TYPE,
    client_assertion: assertion,
  };
}
