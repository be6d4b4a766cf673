// Millisecond options beyond setTimeout's largest delay (2^31 - 1 ms): Node fires such a timer after
// 1 ms, so `timeout: 2 ** 31` used to abort every attempt at once. Each is refused at construction,
// naming the field, or honoured by waiting in steps.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { MAX_TIMER_MS } from '../../src/client/config.js';
import { MAX_RETRY_WAIT_MS, nextDelay } from '../../src/client/retry.js';
import { M2MClient, type M2MClientConfig, M2MConfigError, M2MError, M2MErrorCode } from '../../src/index.js';
import { startTokenServer, tokenBody } from '../support/token-server.js';

const valid: M2MClientConfig = { url: 'http://127.0.0.1:9', clientId: 'svc', clientSecret: 'timer-secret' };

afterEach(() => {
  vi.useRealTimers();
});

function refusal(config: M2MClientConfig): M2MConfigError {
  try {
    new M2MClient(config);
  } catch (error) {
    expect(error).toBeInstanceOf(M2MConfigError);
    return error as M2MConfigError;
  }
  throw new Error('the constructor accepted the configuration');
}

describe('refused at construction, naming the field', () => {
  it.each<[keyof M2MClientConfig, number]>([
    ['timeout', 2 ** 31],
    ['timeout', 1e12],
    ['retryDelay', 2 ** 31],
    ['retryDelay', Number.MAX_SAFE_INTEGER],
  ])('%s: %d', (field, value) => {
    const error = refusal({ ...valid, [field]: value });
    expect(error.message).toContain(`M2MClientConfig.${field} must be at most ${MAX_TIMER_MS} ms`);
  });

  it('the largest delay itself is accepted, and a request under it is not cut short', async () => {
    const server = await startTokenServer();
    try {
      server.setDefault({ body: tokenBody(3600), delayMs: 100 });
      const m2m = new M2MClient({ ...valid, url: server.url, timeout: MAX_TIMER_MS, retries: 0 });
      expect((await m2m.getToken()).access_token).toMatch(/^access-/);
    } finally {
      await server.close();
    }
  });

  it('the CLI refuses --timeout above it as a configuration error', async () => {
    const stderr: string[] = [];
    const status = await main({
      argv: ['token', '--url', 'http://127.0.0.1:9', '--client-id', 'svc', '--timeout', String(2 ** 31)],
      env: { M2M_CLIENT_SECRET: 'timer-secret' },
      stdin: process.stdin,
      stdout: () => undefined,
      stderr: (text) => stderr.push(text),
    });
    expect(status).toBe(2);
    expect(stderr.join('')).toContain('--timeout must be at most');
  });
});

describe('honoured', () => {
  it("a strategy's delay beyond the timer's range waits the client's longest wait, never 1 ms", () => {
    const error = new M2MError({ code: M2MErrorCode.ServerError, status: 500, message: 'HTTP 500' });
    for (const delay of [2 ** 31, 1e15, Number.POSITIVE_INFINITY]) {
      const strategy = { shouldRetry: () => true, getDelay: () => delay };
      const wait = nextDelay({ retries: 3, retryDelay: 1000, strategy }, error, 0);
      expect(wait).toBe(MAX_RETRY_WAIT_MS);
      expect(wait).toBeLessThanOrEqual(MAX_TIMER_MS);
    }
  });

  it('a refreshThreshold beyond the timer range renews at its time, waiting in steps', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const day = 24 * 3600;
    let requests = 0;
    const fetch = async () => {
      requests++;
      return Response.json(tokenBody(365 * day));
    };
    const m2m = new M2MClient({ ...valid, fetch, autoRefresh: true, refreshThreshold: 100 * day });
    await m2m.getToken();
    expect(requests).toBe(1);
    // Renewal is due 100 to 125 days (the jitter) before expiry: 240 to 265 days from now. A timer of
    // 2^31 ms fired after 1 ms would renew at once; steps of 24.8 days must not renew before then.
    await vi.advanceTimersByTimeAsync(239 * day * 1000);
    expect(requests).toBe(1);
    await vi.advanceTimersByTimeAsync(27 * day * 1000);
    expect(requests).toBe(2);
  });
});
