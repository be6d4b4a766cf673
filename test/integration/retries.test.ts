// Retries through p-retry against the loopback server: how many, after which failures, how long apart
// (fake clock: delays are read exactly), Retry-After, and a custom RetryStrategy.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { M2MErrorCode, type RetryStrategy } from '../../src/index.js';
import { type Step, startTokenServer } from '../support/token-server.js';
import {
  rejectionOf,
  scriptWithStamps,
  settle,
  until,
  untilRequests,
  useTokenServer,
  watchTimeouts,
} from './fixtures.js';

const t = useTokenServer();
const START = Date.parse('2030-01-01T00:00:00.000Z');
/** Large enough that no attempt times out while the fake clock is driven. */
const PATIENT = 60_000;

afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

function fail(status: number, extra: Step = {}): Step {
  return { status, ...extra };
}

/**
 * With setTimeout faked: lets `attempts` requests happen, jumping the clock over each wait the client
 * schedules between them (every timer shorter than the attempt timeout). Returns those waits.
 */
async function driveAttempts(attempts: number): Promise<number[]> {
  const waits: number[] = [];
  // Only the client's own waits: undici's timers pass arguments, the client's never do.
  watchTimeouts((delay, rest) => {
    if (delay !== PATIENT && rest.length === 0) waits.push(delay);
  });
  for (let attempt = 1; attempt < attempts; attempt++) {
    await untilRequests(t.server, attempt);
    await until(() => waits.length >= attempt, `a wait is scheduled after attempt ${attempt}`);
    vi.advanceTimersByTime(waits[attempt - 1] ?? 0);
  }
  await untilRequests(t.server, attempts);
  return waits;
}

function useFakeClock(): void {
  vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
  vi.setSystemTime(START);
}

function gaps(stamps: number[]): number[] {
  return stamps.slice(1).map((stamp, index) => stamp - (stamps[index] ?? 0));
}

describe('how many attempts', () => {
  it('retries = retries after the first attempt: 3 → 4 requests on 500s', async () => {
    t.server.setDefault(fail(500));
    const error = await rejectionOf(t.client({ retries: 3 }).getToken());
    expect(error.code).toBe(M2MErrorCode.ServerError);
    expect(error.status).toBe(500);
    expect(t.server.requests).toHaveLength(4);
  });

  it('the default is 3 retries, and retries: 0 makes one attempt', async () => {
    t.server.setDefault(fail(502));
    await rejectionOf(t.client().getToken());
    expect(t.server.requests).toHaveLength(4);
    await rejectionOf(t.client({ retries: 0 }).getToken());
    expect(t.server.requests).toHaveLength(5);
  });

  it('returns the token of the first attempt that succeeds', async () => {
    t.server.enqueue(fail(500), fail(503));
    const token = await t.client().getToken();
    expect(token.access_token).toMatch(/^access-/);
    expect(t.server.requests).toHaveLength(3);
  });

  it.each([
    [408, undefined],
    [429, undefined],
    [500, undefined],
    [502, { error: 'server_error' }],
    [503, undefined],
    [504, '<html>gateway timeout</html>'],
  ])('retries HTTP %i', async (status, body) => {
    t.server.enqueue(fail(status, body === undefined ? {} : { body }), fail(status));
    await t.client().getToken();
    expect(t.server.requests).toHaveLength(3);
  });

  it.each([
    [400, 'invalid_request'],
    [400, 'invalid_scope'],
    [400, 'unsupported_grant_type'],
    [401, 'invalid_client'],
    [403, 'unauthorized_client'],
    [404, undefined],
  ])('never retries HTTP %i (%s)', async (status, code) => {
    t.server.setDefault(fail(status, code ? { body: { error: code } } : {}));
    const error = await rejectionOf(t.client({ retries: 5 }).getToken());
    expect(error.status).toBe(status);
    if (code) expect(error.code).toBe(code);
    expect(t.server.requests).toHaveLength(1);
  });

  it('retries a connection reset', async () => {
    t.server.enqueue({ reset: true }, { reset: true });
    await t.client().getToken();
    expect(t.server.requests).toHaveLength(3);
  });

  it('retries an attempt that timed out', async () => {
    t.server.enqueue({ hang: true }, { hang: true });
    const token = await t.client({ timeout: 50 }).getToken();
    expect(token.access_token).toMatch(/^access-/);
    expect(t.server.requests).toHaveLength(3);
  });

  it('retries a network failure (closed port), one hook call per attempt', async () => {
    const spare = await startTokenServer();
    const closed = spare.url;
    await spare.close();
    const attempts: number[] = [];
    const m2m = t.client({ url: closed, retries: 2, onTokenRequest: (info) => attempts.push(info.attempt) });
    const error = await rejectionOf(m2m.getToken());
    expect(error.code).toBe(M2MErrorCode.TemporarilyUnavailable);
    expect(error.status).toBe(0);
    expect(attempts).toEqual([1, 2, 3]);
  });
});

describe('how long between attempts', () => {
  it('backs off exponentially from retryDelay', async () => {
    useFakeClock();
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const stamps = scriptWithStamps(t.server, [fail(500), fail(500), fail(500), {}]);
    const pending = t.client({ retryDelay: 100, timeout: PATIENT }).getToken();
    const waits = await driveAttempts(4);
    await pending;
    expect(waits).toEqual([100, 200, 400]);
    expect(gaps(stamps)).toEqual([100, 200, 400]);
  });

  it('jitters each delay within ±20 %', async () => {
    useFakeClock();
    const random = vi.spyOn(Math, 'random');
    random.mockReturnValueOnce(0).mockReturnValueOnce(0.999999).mockReturnValueOnce(0);
    scriptWithStamps(t.server, [fail(500), fail(500), fail(500), {}]);
    const pending = t.client({ retryDelay: 100, timeout: PATIENT }).getToken();
    const waits = await driveAttempts(4);
    await pending;
    expect(waits).toEqual([80, 240, 320]);
  });

  it('Retry-After in seconds wins over the backoff', async () => {
    useFakeClock();
    const stamps = scriptWithStamps(t.server, [
      fail(429, { headers: { 'Retry-After': '2' } }),
      fail(503, { headers: { 'retry-after': '5' } }),
      {},
    ]);
    const pending = t.client({ retryDelay: 10, timeout: PATIENT }).getToken();
    await driveAttempts(3);
    await pending;
    expect(gaps(stamps)).toEqual([2000, 5000]);
  });

  it('Retry-After as an HTTP date wins over the backoff', async () => {
    useFakeClock();
    const stamps = scriptWithStamps(t.server, [
      fail(503, { headers: { 'Retry-After': new Date(START + 3000).toUTCString() } }),
      {},
    ]);
    const pending = t.client({ retryDelay: 10, timeout: PATIENT }).getToken();
    await driveAttempts(2);
    await pending;
    expect(gaps(stamps)).toEqual([3000]);
  });

  it.each([
    [429, '3600', 3],
    [503, '120', 3],
    [429, 'Wed, 01 Jan 2031 00:00:00 GMT', 3],
    [503, '120', 0],
  ])(
    'a Retry-After beyond the cap fails at once with rate_limit_exceeded (%i, %s, retries: %i)',
    async (status, value, retries) => {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(START);
      t.server.setDefault(fail(status, { headers: { 'Retry-After': value } }));
      const error = await rejectionOf(t.client({ retries }).getToken());
      expect(error.code).toBe(M2MErrorCode.RateLimitExceeded);
      expect(error.status).toBe(status);
      expect(error.headers?.['retry-after']).toBe(value);
      expect(t.server.requests).toHaveLength(1);
    },
  );
});

describe('custom RetryStrategy', () => {
  it('replaces the decision: retries a 400 the default never would, and stops when told', async () => {
    const calls: Array<[string, number]> = [];
    const strategy: RetryStrategy = {
      shouldRetry: (error, attempt) => {
        calls.push([error.code, attempt]);
        return attempt < 2;
      },
      getDelay: () => 1,
    };
    t.server.setDefault(fail(400, { body: { error: 'invalid_request' } }));
    const error = await rejectionOf(t.client({ retryStrategy: strategy, retries: 0 }).getToken());
    expect(error.code).toBe(M2MErrorCode.InvalidRequest);
    expect(t.server.requests).toHaveLength(3);
    expect(calls).toEqual([
      ['invalid_request', 0],
      ['invalid_request', 1],
      ['invalid_request', 2],
    ]);
  });

  it('replaces the decision: a 500 is final when the strategy says so', async () => {
    t.server.setDefault(fail(500));
    const strategy: RetryStrategy = { shouldRetry: () => false, getDelay: () => 1 };
    await rejectionOf(t.client({ retryStrategy: strategy }).getToken());
    expect(t.server.requests).toHaveLength(1);
  });

  it('the product guide’s exponentialBackoff works as written: 1 s, 2 s, 4 s, 8 s, 16 s', async () => {
    useFakeClock();
    // From the guide, "Custom Retry Strategy".
    const exponentialBackoff: RetryStrategy = {
      shouldRetry: (error, attempt) => {
        return (
          attempt < 5 &&
          (error.code === 'server_error' || error.code === 'temporarily_unavailable' || error.status >= 500)
        );
      },
      getDelay: (attempt) => {
        return 2 ** attempt * 1000;
      },
    };
    const stamps = scriptWithStamps(t.server, [], fail(500));
    const pending = rejectionOf(
      t.client({ retryStrategy: exponentialBackoff, retryDelay: 1000, timeout: PATIENT }).getToken(),
    );
    await driveAttempts(6);
    const error = await pending;
    expect(error.code).toBe(M2MErrorCode.ServerError);
    expect(gaps(stamps)).toEqual([1000, 2000, 4000, 8000, 16000]);
    await settle();
    expect(t.server.requests).toHaveLength(6);
  });
});
