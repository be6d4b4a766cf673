import { decodeProtectedHeader, errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { scopesOf } from '../client/claims.js';
import type { VerifierSettings } from './config.js';
import { type Challenge, keysUnavailable, refusal } from './errors.js';
import { KeysUnavailable } from './keys.js';

/**
 * The claims of a verified access token. The claims RFC 9068 §2.2 requires are always there (a token
 * without one is refused); `aud` is an array and `scopes` is read as `M2MClient#parseToken` reads it:
 * from `scopes`, the `scope` string or `scp`.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc9068#section-2.2 | RFC 9068 §2.2}
 */
export type VerifiedM2MTokenClaims = {
  /** Issuer: the verifier's `issuer`. */
  iss: string;
  /** Subject: for client credentials, the client. */
  sub: string;
  /** Audiences; one of them is the verifier's `audience`. */
  aud: string[];
  /** Expiry, seconds since the epoch. */
  exp: number;
  /** Issue time, seconds since the epoch. */
  iat: number;
  /** Token id. */
  jti: string;
  /** The client the token was issued to. */
  client_id: string;
  /** Granted scopes. */
  scopes: string[];
  /** Not-before time, when the token has one. */
  nbf?: number;
  /** Tenant of a tenant-scoped M2M app (Passflow). */
  tenant_id?: string;
  /** Confirmation: `jkt` is the thumbprint of the DPoP key a bound token is bound to (RFC 9449 §6). */
  cnf?: {
    /** The base64url SHA-256 JWK thumbprint (RFC 7638) of the client's DPoP key. */
    jkt?: string;
    [member: string]: unknown;
  };
  /** Any further claims of the token. */
  [claim: string]: unknown;
};

/** RFC 9068 §2.2; `iss` and `aud` are required by jose's issuer and audience checks. */
const REQUIRED_CLAIMS = ['exp', 'iat', 'sub', 'client_id', 'jti'];
const STRING_CLAIMS = ['sub', 'client_id', 'jti'] as const;

/**
 * RFC 9068 §4: `typ` at+jwt, a signature by a key of the issuer with an accepted algorithm, `iss`,
 * `aud`, `exp`, `nbf` and `iat` within the clock tolerance. Throws an `M2MTokenVerificationError`.
 */
export async function verifyAccessToken(
  token: string,
  settings: VerifierSettings,
  keys: JWTVerifyGetKey,
  challenge: Challenge,
): Promise<VerifiedM2MTokenClaims> {
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, keys, {
      issuer: settings.issuer,
      audience: settings.audience,
      algorithms: settings.algorithms,
      clockTolerance: settings.clockTolerance,
      typ: 'at+jwt',
      requiredClaims: REQUIRED_CLAIMS,
    }));
  } catch (error) {
    if (error instanceof KeysUnavailable) throw keysUnavailable(settings.jwksUri.href, error);
    throw refusal('invalid_token', describe(error, token, settings), challenge, error);
  }
  // jose checks iat in the future only together with a maximum age.
  if ((payload.iat as number) > Date.now() / 1000 + settings.clockTolerance)
    throw refusal('invalid_token', 'the token is not valid yet (its iat is in the future)', challenge);
  for (const claim of STRING_CLAIMS) {
    if (typeof payload[claim] !== 'string')
      throw refusal('invalid_token', `the token's ${claim} claim is not a string`, challenge);
  }
  const { aud } = payload;
  return {
    ...payload,
    aud: typeof aud === 'string' ? [aud] : (aud as string[]),
    scopes: scopesOf(payload),
  } as VerifiedM2MTokenClaims;
}

/** A refusal with `insufficient_scope` unless the token grants every scope of `required`. */
export function requireScopes(
  claims: VerifiedM2MTokenClaims,
  required: readonly string[],
  challenge: Challenge,
): void {
  const missing = required.filter((scope) => !claims.scopes.includes(scope));
  if (missing.length > 0) {
    throw refusal('insufficient_scope', `the token does not grant ${missing.join(' ')}`, {
      ...challenge,
      scopes: required,
    });
  }
}

/** Words for what jose refused, safe to send back; the jose error stays the cause. */
function describe(error: unknown, token: string, settings: VerifierSettings): string {
  if (!(error instanceof errors.JOSEError)) return 'the token could not be verified';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.reason === 'missing') return `the token has no ${error.claim} claim`;
    if (error.claim === 'typ') return 'the token is not a JWT access token (typ must be at+jwt)';
    if (error.claim === 'iss') return `the token was not issued by ${settings.issuer}`;
    if (error.claim === 'aud') return `the token is not meant for ${settings.audience}`;
    if (error.claim === 'nbf') return 'the token is not valid yet (nbf)';
    return `the token's ${error.claim} claim is invalid`;
  }
  switch (error.code) {
    case errors.JWTExpired.code:
      return 'the token has expired';
    case errors.JWSSignatureVerificationFailed.code:
      return 'the token signature is invalid';
    case errors.JOSEAlgNotAllowed.code:
      return `the token's algorithm (${algorithmOf(token)}) is not accepted`;
    case errors.JWKSNoMatchingKey.code:
      return 'no signing key of the issuer matches the token (kid)';
    case errors.JWKSMultipleMatchingKeys.code:
      return 'the token names no key (kid) and several keys of the issuer match it';
    default:
      return `the token is not a valid JWT: ${error.message}`;
  }
}

function algorithmOf(token: string): string {
  try {
    return String(decodeProtectedHeader(token).alg);
  } catch {
    return 'unknown';
  }
}
