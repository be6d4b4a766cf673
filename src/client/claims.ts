import { decodeJwt } from 'jose';
import { M2MError, M2MErrorCode } from './errors.js';
import type { M2MTokenClaims } from './types.js';

/**
 * Decodes the claims of a JWT access token without verifying its signature (that is the resource
 * server's job), normalised per RFC 9068 §2.2: `aud` is always an array, and `scopes` comes from a
 * `scopes` array, the `scope` string (§2.2.3) or an `scp` claim, in that order.
 */
export function parseTokenClaims(token: string): M2MTokenClaims {
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
    iss: stringClaim(payload.iss),
    sub: stringClaim(payload.sub),
    aud: typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud.filter((a) => typeof a === 'string') : [],
    iat: numberClaim(payload.iat),
    exp: numberClaim(payload.exp),
    client_id: stringClaim(payload.client_id ?? payload.sub),
    scopes: scopesOf(payload),
  } as M2MTokenClaims;
}

/** The granted scopes of a JWT payload: a `scopes` array, the `scope` string (RFC 9068 §2.2.3) or `scp`. */
export function scopesOf(payload: Record<string, unknown>): string[] {
  for (const claim of [payload.scopes, payload.scope, payload.scp]) {
    if (Array.isArray(claim)) return claim.filter((s): s is string => typeof s === 'string');
    if (typeof claim === 'string') return claim.split(' ').filter(Boolean);
  }
  return [];
}

function stringClaim(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function numberClaim(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}
