import { MAX_EXPIRES_IN } from './lifetime.js';
import type { M2MTokenResponse } from './types.js';

/**
 * How far ahead of this process's clock another replica's may run. A token issued later than that
 * cannot be true: a clock far off, or `issued_at` in milliseconds (which would keep it valid until
 * the year 50000).
 */
export const MAX_CLOCK_SKEW_S = 300;

/**
 * A token read from a shared cache, held to the bounds a token from the wire is held to. It comes
 * back with `issued_at` no later than `nowMs`, so another replica's clock never makes a token last
 * longer here (its expiry counts from the earlier of the two); or, for a token that cannot be true,
 * the reason, to report as a cache failure.
 */
export function checkStoredToken(value: unknown, nowMs: number): M2MTokenResponse | string {
  if (typeof value !== 'object' || value === null) return 'a value that is not a token object';
  const token = value as Record<string, unknown>;
  if (typeof token.access_token !== 'string' || token.access_token === '') {
    return 'a token without an access_token';
  }
  if (token.token_type !== 'Bearer' && token.token_type !== 'DPoP') {
    return 'a token whose token_type is neither "Bearer" nor "DPoP"';
  }
  const { expires_in: expiresIn, issued_at: issuedAt, scope } = token;
  if (typeof expiresIn !== 'number' || !(expiresIn >= 1 && expiresIn <= MAX_EXPIRES_IN)) {
    return `a token whose expires_in is not a number of seconds from 1 to ${MAX_EXPIRES_IN}`;
  }
  if (typeof issuedAt !== 'number' || !Number.isFinite(issuedAt)) {
    return 'a token without issued_at (seconds since the epoch)';
  }
  if (scope !== undefined && typeof scope !== 'string') return 'a token whose scope is not a string';
  const now = Math.floor(nowMs / 1000);
  if (issuedAt > now + MAX_CLOCK_SKEW_S) {
    return `a token issued ${Math.round(issuedAt - now)} s in the future (issued_at must be seconds since the epoch; clocks may differ by ${MAX_CLOCK_SKEW_S} s at most)`;
  }
  const stored = value as M2MTokenResponse;
  return issuedAt > now ? { ...stored, issued_at: now } : stored;
}
