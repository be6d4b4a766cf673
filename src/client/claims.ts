import { decodeJwt } from 'jose';
import { M2MError, M2MErrorCode } from './errors.js';
import type { M2MTokenClaims } from './types.js';

/** The claims of a JWT as it holds them: `aud` an array when it was a string, `scopes` added. */
export type DecodedClaims = { [claim: string]: unknown; scopes: string[] };

type ClaimType = 'string' | 'number' | 'audience';

/**
 * The claims `M2MTokenClaims` types: those RFC 9068 §2.2 requires, then Passflow's own (optional, but
 * of their type when present).
 */
const CLAIMS: readonly (readonly [name: string, type: ClaimType, required: boolean])[] = [
  ['iss', 'string', true],
  ['exp', 'number', true],
  ['aud', 'audience', true],
  ['sub', 'string', true],
  ['client_id', 'string', true],
  ['iat', 'number', true],
  ['jti', 'string', true],
  ['type', 'string', false],
  ['tenant_id', 'string', false],
];

/**
 * Decodes the claims of a JWT access token without verifying its signature (that is the resource
 * server's job), normalised per RFC 9068 §2.2: `aud` is always an array, and `scopes` comes from a
 * `scopes` array, the `scope` string (§2.2.3) or an `scp` claim, in that order. Every claim RFC 9068
 * requires must be there: none is invented (an `exp` of 0 would read as "expired in 1970").
 * @throws M2MError `invalid_request` for what is not a JWT, or a JWT without a required claim
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-2.2
 */
export function parseTokenClaims(token: string): M2MTokenClaims {
  const claims = decodeTokenClaims(token);
  const problems = CLAIMS.flatMap(([name, type, required]) => {
    const value = claims[name];
    if (value === undefined) return required ? [`${name} is missing`] : [];
    return hasType(value, type) ? [] : [`${name} is not ${DESCRIBED[type]}`];
  });
  if (problems.length > 0) {
    throw new M2MError({
      code: M2MErrorCode.InvalidRequest,
      status: 0,
      message: `The access token is not an RFC 9068 JWT access token: ${problems.join(', ')} (jose's decodeJwt() reads a JWT's claims as they are)`,
    });
  }
  return claims as unknown as M2MTokenClaims;
}

/**
 * The claims a JWT holds, as they are: a claim the token lacks is absent. `aud` becomes an array when
 * present, and `scopes` is always one (empty when the token names no scope).
 * @throws M2MError `invalid_request` for what is not a JWT
 */
export function decodeTokenClaims(token: string): DecodedClaims {
  let payload: Record<string, unknown>;
  try {
    payload = decodeJwt(token);
  } catch (error) {
    throw new M2MError({
      code: M2MErrorCode.InvalidRequest,
      status: 0,
      message: `Cannot parse the access token as a JWT: ${error instanceof Error ? error.message : String(error)}`,
      cause: error,
    });
  }
  const { aud } = payload;
  return {
    ...payload,
    ...(typeof aud === 'string' && { aud: [aud] }),
    scopes: scopesOf(payload),
  };
}

const DESCRIBED: Record<ClaimType, string> = {
  string: 'a string',
  number: 'a number',
  audience: 'a string or a list of strings',
};

function hasType(value: unknown, type: ClaimType): boolean {
  if (type === 'number') return typeof value === 'number' && Number.isFinite(value);
  if (type === 'string') return typeof value === 'string';
  return Array.isArray(value) && value.every((audience) => typeof audience === 'string');
}

/** The granted scopes of a JWT payload: a `scopes` array, the `scope` string (RFC 9068 §2.2.3) or `scp`. */
export function scopesOf(payload: Record<string, unknown>): string[] {
  for (const claim of [payload.scopes, payload.scope, payload.scp]) {
    if (Array.isArray(claim)) return claim.filter((s): s is string => typeof s === 'string');
    if (typeof claim === 'string') return claim.split(' ').filter(Boolean);
  }
  return [];
}
