import type { M2MTokenResponse } from './types.js';

/** The longest lifetime accepted, from a server or a shared cache: a year. Anything longer is a bug. */
export const MAX_EXPIRES_IN = 365 * 24 * 3600;

/** A token with its local deadlines, in epoch milliseconds. */
export type TimedToken = {
  readonly token: M2MTokenResponse;
  readonly expiresAt: number;
  /** From here on the token is renewed ahead of time (autoRefresh); equals expiresAt otherwise. */
  readonly refreshAt: number;
};

/**
 * When a token expires by the local clock: its local `issued_at` plus `expires_in` (DESIGN: never the
 * JWT `exp`, server clocks drift). A token without `issued_at` has no known age and counts as expired.
 */
export function expiresAtOf(token: M2MTokenResponse): number {
  return token.issued_at === undefined
    ? Number.NEGATIVE_INFINITY
    : (token.issued_at + token.expires_in) * 1000;
}

/**
 * How long before expiry a token is renewed: the threshold with up to 25% jitter, so replicas that
 * got their tokens together do not renew together, and never more than half the lifetime, so a
 * threshold longer than the lifetime cannot renew in a loop.
 */
export function refreshLead(token: M2MTokenResponse, thresholdMs: number, random = Math.random()): number {
  return Math.min(thresholdMs * (1 + 0.25 * random), (token.expires_in * 1000) / 2);
}

/** A token with the deadlines this process keeps it by: renewal jittered, expiry exact. */
export function holdToken(token: M2MTokenResponse, autoRefresh: boolean, thresholdMs: number): TimedToken {
  const expiresAt = expiresAtOf(token);
  return {
    token,
    expiresAt,
    refreshAt: autoRefresh ? expiresAt - refreshLead(token, thresholdMs) : expiresAt,
  };
}

/**
 * Until when a token may be taken from the shared cache, in epoch ms: its renewal time without jitter
 * (with autoRefresh), so that every process renews a token once it is due.
 */
export function sharedUntil(token: M2MTokenResponse, autoRefresh: boolean, thresholdMs: number): number {
  return expiresAtOf(token) - (autoRefresh ? refreshLead(token, thresholdMs, 0) : 0);
}
