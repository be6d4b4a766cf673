// autoRefresh: renewal ahead of expiry without making callers wait, unref'd jittered timers, failed
// renewals, and never an expired token. The clock is faked; sockets stay real.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { M2MClient, M2MTokenResponse } from '../../src/index.js';
import { tokenBody } from '../support/token-server.js';
import { rejectionOf, settle, until, untilRequests, useTokenServer, watchTimeouts } from './fixtures.js';

const t = useTokenServer();
const START = Date.parse('2030-01-01T00:00:00.000Z');
/** expires_in 100 s, refreshThreshold 30 s: with Math.random() = 0, renewal is due at +70 s. */
const LIFETIME_S = 100;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(START);
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

function at(seconds: number): void {
  vi.setSystemTime(START + seconds * 1000);
}

/** Waits (by event-loop turns) until the client holds a token other than `old`. */
async function untilRenewed(m2m: M2MClient, old: M2MTokenResponse): Promise<M2MTokenResponse> {
  await until(() => {
    const current = m2m.getCachedToken();
    return current !== null && current !== old;
  }, 'the token is renewed');
  return m2m.getCachedToken() as M2MTokenResponse;
}

/** Every setTimeout the client starts, with its delay and the timer object. */
function recordTimers(): Array<{ delay: number; timer: NodeJS.Timeout }> {
  const timers: Array<{ delay: number; timer: NodeJS.Timeout }> = [];
  watchTimeouts((delay, _rest, timer) => timers.push({ delay, timer }));
  return timers;
}

describe('autoRefresh on', () => {
  it('serves the still-valid token at once inside the threshold while one background request renews it', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    t.server.enqueue({ body: tokenBody(LIFETIME_S) }, { body: tokenBody(LIFETIME_S), delayMs: 200 });
    const m2m = t.client({ autoRefresh: true, refreshThreshold: 30 });
    const old = await m2m.getToken();

    at(69);
    expect(await m2m.getToken()).toBe(old);
    expect(t.server.requests).toHaveLength(1);

    at(71);
    const during = await Promise.all(Array.from({ length: 100 }, () => m2m.getValidToken()));
    expect(during.every((token) => token === old)).toBe(true);
    await untilRequests(t.server, 2);
    expect(await m2m.getToken()).toBe(old);

    const renewed = await untilRenewed(m2m, old);
    expect(renewed.access_token).not.toBe(old.access_token);
    expect(await m2m.getValidToken()).toBe(renewed);
    expect(t.server.requests).toHaveLength(2);
  });

  it('schedules renewal on an unref’d timer, spread by jitter between threshold and 1.25 × threshold', async () => {
    const timers = recordTimers();
    const random = vi.spyOn(Math, 'random');
    const delays: number[] = [];
    for (const value of [0, 0.5, 1]) {
      random.mockReturnValue(value);
      t.server.enqueue({ body: tokenBody(LIFETIME_S) });
      const m2m = t.client({ autoRefresh: true, refreshThreshold: 20 });
      timers.length = 0;
      await m2m.getToken();
      const renewal = timers.find((entry) => entry.delay > 10_000);
      expect(renewal, 'a renewal timer was scheduled').toBeDefined();
      expect(renewal?.timer.hasRef()).toBe(false);
      delays.push(renewal?.delay ?? 0);
      m2m.clearCache();
    }
    expect(delays).toEqual([80_000, 77_500, 75_000]);
  });

  it('holds one renewal timer per token: a newer token replaces it, clearCache() stops it', async () => {
    const timers = recordTimers();
    const cleared = new Set<unknown>();
    const originalClear = globalThis.clearTimeout;
    vi.spyOn(globalThis, 'clearTimeout').mockImplementation((timer) => {
      cleared.add(timer);
      originalClear(timer);
    });
    t.server.setDefault({ body: tokenBody(LIFETIME_S) });
    const m2m = t.client({ autoRefresh: true, refreshThreshold: 30 });
    await m2m.getToken();
    for (let i = 0; i < 3; i++) await m2m.getToken({ forceRefresh: true });
    const renewals = timers.filter((entry) => entry.delay > 10_000).map((entry) => entry.timer);
    const pending = () => renewals.filter((timer) => !cleared.has(timer));
    expect(renewals).toHaveLength(4);
    expect(pending()).toHaveLength(1);
    m2m.clearCache();
    expect(pending()).toHaveLength(0);
  });

  it('renews from the timer alone, without a caller, once a caller used the token', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
    vi.setSystemTime(START);
    vi.spyOn(Math, 'random').mockReturnValue(0);
    t.server.setDefault({ body: tokenBody(LIFETIME_S) });
    const m2m = t.client({ autoRefresh: true, refreshThreshold: 30 });
    const old = await m2m.getToken();
    vi.advanceTimersByTime(69_000);
    await settle();
    expect(t.server.requests).toHaveLength(1);
    vi.advanceTimersByTime(1_000);
    await untilRequests(t.server, 2);
    const renewed = await untilRenewed(m2m, old);
    expect(await m2m.getToken()).toBe(renewed);
    expect(t.server.requests).toHaveLength(2);
    m2m.clearCache();
  });

  it('does not renew a token nobody used since it was stored', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
    vi.setSystemTime(START);
    vi.spyOn(Math, 'random').mockReturnValue(0);
    t.server.setDefault(() => ({ body: tokenBody(LIFETIME_S) }));
    const m2m = t.client({ autoRefresh: true, refreshThreshold: 30 });
    const first = await m2m.getToken();
    vi.advanceTimersByTime(70_000);
    await untilRequests(t.server, 2);
    await untilRenewed(m2m, first);
    // The renewed token is stored with no caller yet: its timer fires and does nothing.
    vi.advanceTimersByTime(70_000);
    await settle();
    expect(t.server.requests).toHaveLength(2);
    m2m.clearCache();
  });

  it('keeps serving the still-valid token when a renewal fails, and tries again later', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    t.server.enqueue(
      { body: tokenBody(LIFETIME_S) },
      { status: 503 },
      { status: 500, body: { error: 'server_error' } },
      { body: tokenBody(LIFETIME_S) },
    );
    const m2m = t.client({ autoRefresh: true, refreshThreshold: 30, retries: 0 });
    const old = await m2m.getToken();
    // A failed renewal schedules the next try 5 s later: that timer tells the failure was handled.
    const timers = recordTimers();
    const retriesScheduled = () => timers.filter((entry) => entry.delay === 5000).length;

    at(75);
    expect(await m2m.getToken()).toBe(old);
    await until(() => retriesScheduled() === 1, 'the failed renewal is handled');
    // The failure is not surfaced; the valid token is still served, without a request per call.
    expect(await m2m.getToken()).toBe(old);
    expect(t.server.requests).toHaveLength(2);

    at(81); // the retry is due 5 s after the failure
    expect(await m2m.getToken()).toBe(old);
    await until(() => retriesScheduled() === 2, 'the second failed renewal is handled');
    expect(t.server.requests).toHaveLength(3);
    expect(await m2m.getToken()).toBe(old);

    at(87);
    expect(await m2m.getToken()).toBe(old);
    const renewed = await untilRenewed(m2m, old);
    expect(await m2m.getToken()).toBe(renewed);
    expect(t.server.requests).toHaveLength(4);
  });

  it('a forced refresh is not replaced by an older background renewal that lands after it', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    t.server.enqueue(
      { body: tokenBody(LIFETIME_S) },
      { body: tokenBody(LIFETIME_S), delayMs: 300 },
      { body: tokenBody(LIFETIME_S) },
    );
    const m2m = t.client({ autoRefresh: true, refreshThreshold: 30 });
    const old = await m2m.getToken();
    at(71);
    expect(await m2m.getToken()).toBe(old);
    await untilRequests(t.server, 2);
    const forced = await m2m.getToken({ forceRefresh: true });
    expect(forced).not.toBe(old);
    await until(() => t.server.requests.length === 3, 'the forced request');
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await m2m.getToken()).toBe(forced);
    expect(m2m.getCachedToken()).toBe(forced);
  });

  it('never returns an expired token: at expiry callers wait, and see the failure if renewal fails', async () => {
    t.server.enqueue(
      { body: tokenBody(LIFETIME_S) },
      { status: 500, body: { error: 'server_error', error_description: 'down' } },
      { body: tokenBody(LIFETIME_S), delayMs: 30 },
    );
    const m2m = t.client({ autoRefresh: true, refreshThreshold: 30, retries: 0 });
    const old = await m2m.getToken();

    at(LIFETIME_S);
    const error = await rejectionOf(m2m.getValidToken());
    expect(error.code).toBe('server_error');

    const waiting = Array.from({ length: 10 }, () => m2m.getToken());
    const fresh = await Promise.all(waiting);
    expect(fresh.every((token) => token.access_token !== old.access_token)).toBe(true);
    expect(new Set(fresh).size).toBe(1);
    expect(t.server.requests).toHaveLength(3);
  });
});

describe('autoRefresh off', () => {
  it('serves the token until it expires, with no renewal timer, then waits for a new one', async () => {
    const timers = recordTimers();
    t.server.enqueue({ body: tokenBody(LIFETIME_S) }, { body: tokenBody(LIFETIME_S), delayMs: 20 });
    const m2m = t.client();
    const old = await m2m.getToken();
    expect(timers.some((entry) => entry.delay > 10_000)).toBe(false);

    at(LIFETIME_S - 0.001);
    expect(await m2m.getToken()).toBe(old);
    await settle();
    expect(t.server.requests).toHaveLength(1);

    at(LIFETIME_S);
    const fresh = await m2m.getToken();
    expect(fresh.access_token).not.toBe(old.access_token);
    expect(t.server.requests).toHaveLength(2);
  });
});
