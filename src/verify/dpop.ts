import {
  base64url,
  calculateJwkThumbprint,
  decodeProtectedHeader,
  EmbeddedJWK,
  errors,
  type JWK,
  type JWTPayload,
  jwtVerify,
} from 'jose';
import type { VerifierSettings } from './config.js';
import { type Challenge, refusal } from './errors.js';
import type { ReplayCache } from './replay-cache.js';

/** The request a proof must match, and the token and key it must be bound to. */
export type ProofContext = {
  method: string;
  url: string | URL;
  accessToken: string;
  /** `cnf.jkt` of the access token: the base64url SHA-256 thumbprint of the client's key. */
  jkt: string;
};

/** Members only a private or symmetric JWK has (RFC 7518 §6). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k', 'priv'];

/**
 * Checks a DPoP proof for a request to this resource server (RFC 9449 §4.3, §7.1): `typ` dpop+jwt,
 * an accepted asymmetric `alg`, a public `jwk` whose signature verifies, `htm` and `htu` of this
 * request (`htu` without query and fragment), `iat` within `maxProofAge` and the clock tolerance,
 * `ath` the hash of the access token, the key's thumbprint the token's `cnf.jkt`, and a `jti` not
 * seen before within the window. Nonces (RFC 9449 §9) are not used. Throws `invalid_dpop_proof`.
 */
export async function verifyDPoPProof(
  proof: string,
  context: ProofContext,
  settings: VerifierSettings,
  replays: ReplayCache,
  challenge: Challenge,
): Promise<void> {
  const fail = (description: string, cause?: unknown) =>
    refusal('invalid_dpop_proof', `the DPoP proof ${description}`, challenge, cause);
  if (hasPrivateMembers(proof)) throw fail('carries a private key (jwk)');
  let payload: JWTPayload;
  let jwk: JWK;
  try {
    const verified = await jwtVerify(proof, EmbeddedJWK, {
      typ: 'dpop+jwt',
      algorithms: settings.dpop.algorithms,
      clockTolerance: settings.clockTolerance,
      maxTokenAge: settings.dpop.maxProofAge,
      requiredClaims: ['jti', 'htm', 'htu', 'iat', 'ath'],
    });
    payload = verified.payload;
    jwk = verified.protectedHeader.jwk as JWK;
  } catch (error) {
    throw fail(describe(error), error);
  }
  if (payload.htm !== context.method) throw fail(`is for ${String(payload.htm)}, not ${context.method}`);
  if (typeof payload.htu !== 'string' || !sameResource(payload.htu, context.url))
    throw fail('is for another URL (htu)');
  if (payload.ath !== (await accessTokenHash(context.accessToken)))
    throw fail('is not bound to this access token (ath)');
  if ((await calculateJwkThumbprint(jwk, 'sha256')) !== context.jkt)
    throw fail("is not signed with the token's key (cnf.jkt)");
  if (typeof payload.jti !== 'string' || payload.jti === '') throw fail('has no jti');
  const expiresAt = ((payload.iat as number) + settings.dpop.maxProofAge + settings.clockTolerance) * 1000;
  if (!replays.remember(`${context.jkt} ${payload.jti}`, expiresAt)) throw fail('was used before (jti)');
}

/** RFC 9449 §4.3 step 7: the proof's `jwk` must not hold a private (or symmetric) key. */
function hasPrivateMembers(proof: string): boolean {
  let jwk: unknown;
  try {
    jwk = decodeProtectedHeader(proof).jwk;
  } catch {
    return false; // jwtVerify reports the malformed header
  }
  return typeof jwk === 'object' && jwk !== null && PRIVATE_MEMBERS.some((member) => member in jwk);
}

/** RFC 9449 §4.3 step 9: the same URI, ignoring query and fragment, after syntax-based normalisation. */
function sameResource(htu: string, requestUrl: string | URL): boolean {
  try {
    const claimed = new URL(htu);
    const actual = new URL(requestUrl);
    return claimed.origin === actual.origin && claimed.pathname === actual.pathname;
  } catch {
    return false;
  }
}

/** RFC 9449 §4.2: `ath` is the base64url SHA-256 of the ASCII access token. */
async function accessTokenHash(token: string): Promise<string> {
  return base64url.encode(
    new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token))),
  );
}

function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'is too old (iat)';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.reason === 'missing') return `has no ${error.claim} claim`;
    if (error.claim === 'typ') return 'is not a DPoP proof (typ must be dpop+jwt)';
    if (error.claim === 'iat') return 'is issued in the future (iat)';
    return `has an invalid ${error.claim} claim`;
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return 'uses an algorithm that is not accepted';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'signature is invalid';
  return `is not a valid signed JWT: ${error instanceof Error ? error.message : String(error)}`;
}
