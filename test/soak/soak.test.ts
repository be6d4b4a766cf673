// Soak: 24 simulated hours of a client with autoRefresh and 60-second tokens against a token endpoint
// that goes through seeded spells of faults. While the server is healthy no call fails; no call ever
// returns an expired token; timers and listeners stay bounded.
//
// Time is simulated with fake timers, which real sockets cannot follow (their I/O completes in real
// time), so the token endpoint here is a scripted in-process fetch passed through the `fetch` option:
// it answers, fails, stalls or hangs on the fake clock.
import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { M2MClient, M2MError, type M2MTokenResponse } from '../../src/index.js';

const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;
const LIFETIME_S = 60;
const TIMEOUT_MS = 2000;
const RETRIES = 3;
const RETRY_DELAY_MS = 500;
/**
 * The longest one token flight can last: every attempt timing out, plus the longest waits between
 * attempts (a Retry-After of up to 5 s here, or the backoff). A caller whose flight began inside a
 * faulty spell may still fail this long after the spell ends; later callers may not.
 */
const FLIGHT_MS = (RETRIES + 1) * TIMEOUT_MS + RETRIES * 5000 + 2000;
const SEED = 20_240_601;

/** mulberry32: a small seeded PRNG, so that a failing run can be replayed exactly. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Faulty spells of 2 to 15 minutes, separated by healthy ones of 5 to 60 minutes, over the day. */
function faultSchedule(random: () => number, start: number): Array<[number, number]> {
  const spells: Array<[number, number]> = [];
  let at = start + 10 * 60_000;
  while (at < start + DAY_MS) {
    const length = (2 + random() * 13) * 60_000;
    spells.push([at, at + length]);
    at += length + (5 + random() * 55) * 60_000;
  }
  return spells;
}

type Fault = 'none' | '500' | '503' | '429' | 'reset' | 'hang' | 'slow' | 'garbage';
const FAULTS: Fault[] = ['500', '503', '429', 'reset', 'hang', 'slow', 'garbage'];

/** Resolves after `ms` on the (fake) clock, or rejects with the signal's reason when it aborts first. */
function wait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function scriptedEndpoint(random: () => number, faultAt: (now: number) => Fault) {
  let requests = 0;
  let serial = 0;
  const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    new Response(JSON.stringify(body), {
      status,
      headers: { 'content-type': 'application/json', ...headers },
    });
  const fetchStub: typeof fetch = async (input) => {
    requests++;
    const signal = (input as Request).signal;
    const fault = faultAt(Date.now());
    switch (fault) {
      case '500':
        return json(500, { error: 'server_error' });
      case '503':
        return json(503, {}, { 'retry-after': String(1 + Math.floor(random() * 5)) });
      case '429':
        return json(
          429,
          { error: 'rate_limit_exceeded' },
          { 'retry-after': String(1 + Math.floor(random() * 5)) },
        );
      case 'reset':
        throw new TypeError('fetch failed', {
          cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
        });
      case 'hang':
        await wait(DAY_MS, signal);
        throw new Error('unreachable');
      case 'slow':
        await wait(TIMEOUT_MS * (0.5 + random()), signal);
        break;
      case 'garbage':
        return new Response('<html>maintenance</html>', { headers: { 'content-type': 'text/html' } });
      case 'none':
        break;
    }
    return json(200, { access_token: `soak-${++serial}`, token_type: 'Bearer', expires_in: LIFETIME_S });
  };
  return { fetch: fetchStub, requests: () => requests };
}

const expiresAt = (token: M2MTokenResponse) => ((token.issued_at ?? 0) + token.expires_in) * 1000;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  vi.setSystemTime(Date.parse('2030-06-01T00:00:00Z'));
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

describe('24 simulated hours, autoRefresh on, 60 s tokens, seeded faults', () => {
  it('never fails while healthy, never returns an expired token, and holds no growing timers or listeners', async () => {
    const random = prng(SEED);
    // The client's jitter comes from Math.random: seeded too, so the run is reproducible.
    vi.spyOn(Math, 'random').mockImplementation(prng(SEED + 1));
    const start = Date.now();
    const spells = faultSchedule(random, start);
    const inSpell = (now: number) => spells.some(([from, to]) => now >= from && now < to);
    /** Healthy long enough that no flight begun in a faulty spell can still be running. */
    const settledHealthy = (now: number) => !spells.some(([from, to]) => now >= from && now < to + FLIGHT_MS);
    const endpoint = scriptedEndpoint(random, (now) =>
      inSpell(now) && random() < 0.8 ? (FAULTS[Math.floor(random() * FAULTS.length)] as Fault) : 'none',
    );
    const m2m = new M2MClient({
      url: 'https://auth.soak.test',
      clientId: 'svc-soak',
      clientSecret: 'soak-secret',
      autoRefresh: true,
      timeout: TIMEOUT_MS,
      retries: RETRIES,
      retryDelay: RETRY_DELAY_MS,
      fetch: endpoint.fetch,
    });
    const callerSignal = new AbortController().signal;
    const processListeners = () => process.listenerCount('exit') + process.listenerCount('beforeExit');
    const listenersAtStart = processListeners();

    const stats = { calls: 0, healthyCalls: 0, failures: 0, timerSamples: [] as number[] };
    /** Starts one call and advances the fake clock until it settles (bounded by two flights). */
    const call = async (useSignal: boolean) => {
      const calledAt = Date.now();
      const healthy = settledHealthy(calledAt);
      let outcome: { token?: M2MTokenResponse; error?: unknown; at: number } | undefined;
      (useSignal ? m2m.getToken({ signal: callerSignal }) : m2m.getValidToken()).then(
        (token) => {
          outcome = { token, at: Date.now() };
        },
        (error: unknown) => {
          outcome = { error, at: Date.now() };
        },
      );
      for (let step = 0; step < (2 * FLIGHT_MS) / 250 && !outcome; step++) {
        await vi.advanceTimersByTimeAsync(step === 0 ? 0 : 250);
      }
      if (!outcome) throw new Error(`a call at +${calledAt - start} ms did not settle`);
      stats.calls++;
      if (healthy) stats.healthyCalls++;
      if (outcome.token) {
        expect(outcome.at, `expired token at +${outcome.at - start} ms`).toBeLessThan(
          expiresAt(outcome.token),
        );
      } else {
        stats.failures++;
        expect(outcome.error).toBeInstanceOf(M2MError);
        expect(healthy, `failed while healthy at +${calledAt - start} ms: ${String(outcome.error)}`).toBe(
          false,
        );
      }
      expect(getEventListeners(callerSignal, 'abort')).toHaveLength(0);
    };

    let nextHour = start + HOUR_MS;
    while (Date.now() < start + DAY_MS) {
      await vi.advanceTimersByTimeAsync(Math.floor(1000 + random() * 19_000));
      const concurrent = random() < 0.1 ? 3 : 1;
      await Promise.all(Array.from({ length: concurrent }, (_, i) => call(i % 2 === 1)));
      if (Date.now() >= nextHour) {
        nextHour += HOUR_MS;
        stats.timerSamples.push(vi.getTimerCount());
      }
    }

    expect(stats.timerSamples.length).toBeGreaterThanOrEqual(23);
    // At rest the client holds its renewal timer and at most a flight's timeout and retry wait.
    expect(Math.max(...stats.timerSamples)).toBeLessThanOrEqual(3);
    expect(processListeners()).toBe(listenersAtStart);
    expect(stats.healthyCalls).toBeGreaterThan(stats.calls / 2);
    expect(spells.length).toBeGreaterThan(10);
    // The spells did bite: some calls inside them failed (with an M2MError, checked above).
    expect(stats.failures).toBeGreaterThan(0);
    // About two requests per minute keep the token fresh; faults add retries but no runaway loop.
    expect(endpoint.requests()).toBeGreaterThan((DAY_MS / 60_000) * 1.5);
    expect(endpoint.requests()).toBeLessThan((DAY_MS / 60_000) * 8);
    m2m.clearCache();
    expect(vi.getTimerCount()).toBe(0);
  });
});
