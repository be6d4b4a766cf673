import type { M2MTokenResponse } from './types.js';

/** The longest lifetime accepted, from a server or a shared cache: a year. Anything longer is a bug. */
export const MAX_EXPIRES_IN = 365 * 24 * 3600;

/** A token held by the client, with its local deadlines in epoch milliseconds. */
export type HeldToken = {
  readonly token: M2MTokenResponse;
  readonly expiresAt: number;
  /** From here on the token is renewed ahead of time (autoRefresh); equals expiresAt otherwise. */
  refreshAt: number;
  /** Whether a caller was served the token since it was stored: idle tokens are not renewed. */
  used: boolean;
  /** The token as a settled promise, so a cache hit returns without allocating or awaiting. */
  readonly settled: Promise<M2MTokenResponse>;
  /** The order in which the flight that got it started: a later flight's token is never replaced by an earlier one's. */
  readonly flight: number;
  /** The timer that renews the token in the background (autoRefresh), while one is scheduled. */
  renewal: ReturnType<typeof setTimeout> | undefined;
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

export function holdToken(
  token: M2MTokenResponse,
  autoRefresh: boolean,
  thresholdMs: number,
  flight = 0,
): HeldToken {
  const expiresAt = expiresAtOf(token);
  const refreshAt = autoRefresh ? expiresAt - refreshLead(token, thresholdMs) : expiresAt;
  return {
    token,
    expiresAt,
    refreshAt,
    used: false,
    settled: Promise.resolve(token),
    flight,
    renewal: undefined,
  };
}
