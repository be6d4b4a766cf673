// The pure timing rules: retry delays (backoff, jitter, Retry-After, cap, strategy) and renewal lead.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { expiresAtOf, holdToken, refreshLead } from '../../src/client/lifetime.js';
import {
  MAX_BACKOFF_MS,
  MAX_RETRY_WAIT_MS,
  nextDelay,
  parseRetryAfter,
  type RetryPolicy,
} from '../../src/client/retry.js';
import { M2MError, M2MErrorCode, type RetryStrategy } from '../../src/index.js';

afterEach(() => {
  vi.restoreAllMocks();
});

const policy: RetryPolicy = { retries: 3, retryDelay: 1000, strategy: undefined };

function failure(status: number, headers?: Record<string, string>): M2MError {
  return new M2MError({
    code: status === 429 ? M2MErrorCode.RateLimitExceeded : M2MErrorCode.ServerError,
    status,
    message: `HTTP ${status}`,
    ...(headers && { headers }),
  });
}

describe('nextDelay', () => {
  it('doubles from retryDelay, jittered within ±20 %, capped', () => {
    const random = vi.spyOn(Math, 'random');
    random.mockReturnValue(0.5);
    expect([0, 1, 2, 3].map((done) => nextDelay(policy, failure(500), done))).toEqual([
      1000, 2000, 4000, 8000,
    ]);
    random.mockReturnValue(0);
    expect(nextDelay(policy, failure(500), 1)).toBe(1600);
    random.mockReturnValue(0.999999);
    expect(nextDelay(policy, failure(500), 1)).toBe(2400);
    random.mockReturnValue(0.5);
    expect(nextDelay(policy, failure(500), 20)).toBe(MAX_BACKOFF_MS);
  });

  it('is undefined (no retry) for other 4xx, and a delay for 0, 408, 429, 5xx', () => {
    for (const status of [400, 401, 403, 404, 409, 422])
      expect(nextDelay(policy, failure(status), 0)).toBeUndefined();
    for (const status of [0, 408, 429, 500, 502, 503, 504])
      expect(nextDelay(policy, failure(status), 0)).toBeTypeOf('number');
  });

  it('takes Retry-After (seconds or HTTP date) over the backoff, and gives up past the cap', () => {
    expect(nextDelay(policy, failure(429, { 'retry-after': '7' }), 0)).toBe(7000);
    expect(nextDelay(policy, failure(503, { 'retry-after': '0' }), 2)).toBe(0);
    const date = new Date(Date.now() + 4000).toUTCString();
    const fromDate = nextDelay(policy, failure(503, { 'retry-after': date }), 0) ?? -1;
    expect(fromDate).toBeGreaterThan(2000);
    expect(fromDate).toBeLessThanOrEqual(4000);
    expect(nextDelay(policy, failure(429, { 'retry-after': String(MAX_RETRY_WAIT_MS / 1000) }), 0)).toBe(
      MAX_RETRY_WAIT_MS,
    );
    expect(
      nextDelay(policy, failure(429, { 'retry-after': String(MAX_RETRY_WAIT_MS / 1000 + 1) }), 0),
    ).toBeUndefined();
  });

  it('lets a custom strategy decide and time every retry, with attempt counted from 0', () => {
    const strategy: RetryStrategy = {
      shouldRetry: (error, attempt) => error.status === 400 && attempt < 2,
      getDelay: (attempt) => 100 * (attempt + 1),
    };
    const custom = { ...policy, strategy };
    expect(nextDelay(custom, failure(400), 0)).toBe(100);
    expect(nextDelay(custom, failure(400), 1)).toBe(200);
    expect(nextDelay(custom, failure(400), 2)).toBeUndefined();
    expect(nextDelay(custom, failure(500), 0)).toBeUndefined();
    expect(nextDelay(custom, failure(400, { 'retry-after': '30' }), 0)).toBe(100);
    const odd = { ...policy, strategy: { shouldRetry: () => true, getDelay: () => Number.NaN } };
    expect(nextDelay(odd, failure(500), 0)).toBe(0);
  });
});

describe('parseRetryAfter (RFC 9110 §10.2.3)', () => {
  const now = Date.parse('2030-01-01T00:00:00Z');
  it.each<[string | undefined, number | undefined]>([
    ['120', 120_000],
    [' 5 ', 5000],
    ['Tue, 01 Jan 2030 00:00:30 GMT', 30_000],
    ['Mon, 31 Dec 2029 23:00:00 GMT', 0],
    ['-1', undefined],
    ['soon', undefined],
    ['1.5', undefined],
    [undefined, undefined],
  ])('%s → %s', (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
});

describe('token lifetime', () => {
  const token = { access_token: 'a', token_type: 'Bearer' as const, expires_in: 600, issued_at: 1_000_000 };

  it('expires at the local issued_at plus expires_in; without issued_at it counts as expired', () => {
    expect(expiresAtOf(token)).toBe(1_000_600_000);
    expect(expiresAtOf({ ...token, issued_at: undefined } as never)).toBe(Number.NEGATIVE_INFINITY);
  });

  it('renews between threshold and 1.25 × threshold before expiry, never earlier than half the lifetime', () => {
    expect(refreshLead(token, 60_000, 0)).toBe(60_000);
    expect(refreshLead(token, 60_000, 1)).toBe(75_000);
    expect(refreshLead(token, 1_000_000, 0.5)).toBe(300_000);
  });

  it('holds a token with its deadlines; without autoRefresh renewal is at expiry', () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    expect(holdToken(token, false, 30_000)).toMatchObject({
      expiresAt: 1_000_600_000,
      refreshAt: 1_000_600_000,
    });
    expect(holdToken(token, true, 30_000)).toMatchObject({
      expiresAt: 1_000_600_000,
      refreshAt: 1_000_570_000,
    });
  });
});
