// The fault matrix: every way a token endpoint can misbehave, each against a real loopback server.
// Every case ends in a token or a specific M2MError, within a bound derived from the client's timeout
// and retries, leaves no timer behind and raises no unhandled rejection.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from '../../src/client/transport.js';
import { M2MClient, M2MError, M2MErrorCode, type M2MTokenResponse } from '../../src/index.js';
import { type Step, startTokenServer, type TokenServer, tokenBody } from '../support/token-server.js';

const TIMEOUT_MS = 300;
const RETRIES = 1;
const RETRY_DELAY_MS = 20;
/** Slack for the loopback round trips and a loaded CI machine; the bound is a ceiling, not a speed claim. */
const SLACK_MS = 2000;

/** The longest a failing token request may take: every attempt timing out, every backoff at its maximum. */
function boundMs(extraWaitMs = 0): number {
  let backoff = 0;
  for (let retry = 0; retry < RETRIES; retry++) backoff += RETRY_DELAY_MS * 2 ** retry * 1.2;
  return (RETRIES + 1) * TIMEOUT_MS + backoff + extraWaitMs + SLACK_MS;
}

const unhandled: unknown[] = [];
const collect = (reason: unknown) => unhandled.push(reason);
beforeAll(() => {
  process.on('unhandledRejection', collect);
});
afterAll(() => {
  process.off('unhandledRejection', collect);
});

const activeTimeouts = () => process.getActiveResourcesInfo().filter((type) => type === 'Timeout').length;

type Outcome =
  | { token: M2MTokenResponse; error?: undefined; ms: number }
  | { error: M2MError; token?: undefined; ms: number };

type Run = Outcome & { server: TokenServer; other: TokenServer };

/**
 * Runs one case on fresh servers: `script` queues the server's answers, the client asks for a token,
 * the servers close, and the case must have left no timer and no unhandled rejection behind.
 */
async function runCase(script: (server: TokenServer, other: TokenServer) => void): Promise<Run> {
  const timersBefore = activeTimeouts();
  unhandled.length = 0;
  const server = await startTokenServer();
  const other = await startTokenServer();
  let outcome: Outcome;
  try {
    script(server, other);
    const client = new M2MClient({
      url: server.url,
      clientId: 'svc-faults',
      clientSecret: 'fault-secret',
      timeout: TIMEOUT_MS,
      retries: RETRIES,
      retryDelay: RETRY_DELAY_MS,
    });
    const started = performance.now();
    try {
      const token = await client.getToken();
      outcome = { token, ms: performance.now() - started };
    } catch (error) {
      if (!(error instanceof M2MError)) throw error;
      outcome = { error, ms: performance.now() - started };
    }
  } finally {
    await server.close();
    await other.close();
  }
  // Let late callbacks (an aborted body, a rejected promise nobody awaits) surface before checking.
  for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
  expect(unhandled).toEqual([]);
  expect(activeTimeouts()).toBeLessThanOrEqual(timersBefore);
  return { ...outcome, server, other };
}

function expectError(
  run: Run,
  code: M2MErrorCode,
  status: number,
  attempts: number,
  extraWaitMs = 0,
): M2MError {
  expect(run.token).toBeUndefined();
  const error = run.error as M2MError;
  expect(error).toBeInstanceOf(M2MError);
  expect({ code: error.code, status: error.status }).toEqual({ code, status });
  expect(run.server.requests).toHaveLength(attempts);
  expect(run.ms).toBeLessThan(boundMs(extraWaitMs));
  return error;
}

function expectToken(run: Run, attempts: number, extraWaitMs = 0): M2MTokenResponse {
  expect(run.error).toBeUndefined();
  const token = run.token as M2MTokenResponse;
  expect(token.access_token).toMatch(/^access-/);
  expect(token.token_type).toBe('Bearer');
  expect(run.server.requests).toHaveLength(attempts);
  expect(run.ms).toBeLessThan(boundMs(extraWaitMs));
  return token;
}

const always = (step: Step) => (server: TokenServer) => server.setDefault(step);
const ok = (): Step => ({ body: tokenBody(3600) });

describe('server errors', () => {
  it('500 with an empty body, every attempt: server_error after all retries', async () => {
    const run = await runCase(always({ status: 500 }));
    expect(expectError(run, M2MErrorCode.ServerError, 500, RETRIES + 1).message).toContain('HTTP 500');
  });

  it('500 once, then a token: the retry obtains it', async () => {
    expectToken(await runCase((s) => s.enqueue({ status: 500 }, ok())), 2);
  });

  it('502 with an HTML page: server_error naming a body that is not an OAuth error', async () => {
    const html = '<html><body><h1>502 Bad Gateway</h1></body></html>';
    const run = await runCase(always({ status: 502, body: html, headers: { 'content-type': 'text/html' } }));
    const error = expectError(run, M2MErrorCode.ServerError, 502, RETRIES + 1);
    expect(error.message).toContain('not an OAuth error (text/html)');
    expect(error.message).not.toContain('<html>');
  });

  it('503 with Retry-After: 1, then a token: waits as told, then succeeds', async () => {
    const run = await runCase((s) => s.enqueue({ status: 503, headers: { 'retry-after': '1' } }, ok()));
    expectToken(run, 2, 1000);
    expect(run.ms).toBeGreaterThanOrEqual(950);
  });

  it('503 with Retry-After, every attempt: temporarily_unavailable with the header kept', async () => {
    const run = await runCase(always({ status: 503, headers: { 'retry-after': '1' } }));
    const error = expectError(run, M2MErrorCode.TemporarilyUnavailable, 503, RETRIES + 1, 1000);
    expect(error.headers?.['retry-after']).toBe('1');
  });
});

describe('rate limiting', () => {
  it('429 with Retry-After in seconds, then a token', async () => {
    const run = await runCase((s) => s.enqueue({ status: 429, headers: { 'retry-after': '1' } }, ok()));
    expectToken(run, 2, 1000);
    expect(run.ms).toBeGreaterThanOrEqual(950);
  });

  it('429 with Retry-After as an HTTP date, then a token', async () => {
    // An HTTP date has whole seconds: two seconds ahead means a wait of one to two seconds.
    const run = await runCase((s) =>
      s.enqueue({ status: 429, headers: { 'retry-after': new Date(Date.now() + 2000).toUTCString() } }, ok()),
    );
    expectToken(run, 2, 2000);
    expect(run.ms).toBeGreaterThanOrEqual(900);
  });

  it('429 every attempt: rate_limit_exceeded whatever the body says', async () => {
    const run = await runCase(
      always({ status: 429, headers: { 'retry-after': '0' }, body: { error: 'invalid_request' } }),
    );
    expectError(run, M2MErrorCode.RateLimitExceeded, 429, RETRIES + 1);
  });

  it('429 with a Retry-After beyond the cap: rate_limit_exceeded at once, no retry', async () => {
    const run = await runCase(always({ status: 429, headers: { 'retry-after': '3600' } }));
    expectError(run, M2MErrorCode.RateLimitExceeded, 429, 1);
  });
});

describe('transport failures', () => {
  it('connection reset on every attempt: temporarily_unavailable, status 0, cause kept', async () => {
    const run = await runCase(always({ reset: true }));
    const error = expectError(run, M2MErrorCode.TemporarilyUnavailable, 0, RETRIES + 1);
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('connection reset once, then a token', async () => {
    expectToken(await runCase((s) => s.enqueue({ reset: true }, ok())), 2);
  });

  it('a server that never answers: timed out on every attempt', async () => {
    const run = await runCase(always({ hang: true }));
    const error = expectError(run, M2MErrorCode.TemporarilyUnavailable, 0, RETRIES + 1);
    expect(error.message).toContain(`timed out after ${TIMEOUT_MS} ms`);
  });

  it('a body slower than the timeout: timed out, not a half-read token', async () => {
    const run = await runCase(always({ body: tokenBody(3600), slowBodyMs: TIMEOUT_MS * 3 }));
    const error = expectError(run, M2MErrorCode.TemporarilyUnavailable, 0, RETRIES + 1);
    expect(error.message).toContain('timed out');
  });

  it('a slow body that ends within the timeout: the token', async () => {
    expectToken(await runCase(always({ body: tokenBody(3600), slowBodyMs: TIMEOUT_MS / 5 })), 1);
  });
});

describe('malformed success responses (never retried: the server answered)', () => {
  it('truncated JSON: server_error saying the body is not JSON', async () => {
    const run = await runCase(
      always({ body: '{"access_token":"abc","token_ty', headers: { 'content-type': 'application/json' } }),
    );
    expect(expectError(run, M2MErrorCode.ServerError, 200, 1).message).toContain('not JSON');
  });

  it('an HTML page with 200: server_error naming the content type', async () => {
    const run = await runCase(
      always({ body: '<html>login</html>', headers: { 'content-type': 'text/html' } }),
    );
    expect(expectError(run, M2MErrorCode.ServerError, 200, 1).message).toContain('text/html');
  });

  it('a valid token response labelled text/plain: the body is checked in full, so it is accepted', async () => {
    const body = JSON.stringify(tokenBody(3600));
    const token = expectToken(await runCase(always({ body, headers: { 'content-type': 'text/plain' } })), 1);
    expect(token.expires_in).toBe(3600);
  });

  it.each([
    ['access_token missing', { token_type: 'Bearer', expires_in: 3600 }, 'access_token'],
    ['access_token empty', { access_token: '', token_type: 'Bearer', expires_in: 3600 }, 'access_token'],
    ['access_token a number', { access_token: 42, token_type: 'Bearer', expires_in: 3600 }, 'access_token'],
    ['token_type missing', { access_token: 'access-x', expires_in: 3600 }, 'token_type'],
    [
      'token_type not Bearer',
      { access_token: 'access-x', token_type: 'mac', expires_in: 3600 },
      'token_type',
    ],
    ['expires_in missing', { access_token: 'access-x', token_type: 'Bearer' }, 'expires_in'],
    [
      'expires_in a string',
      { access_token: 'access-x', token_type: 'Bearer', expires_in: '3600' },
      'expires_in',
    ],
    [
      'expires_in negative',
      { access_token: 'access-x', token_type: 'Bearer', expires_in: -60 },
      'expires_in',
    ],
    ['expires_in zero', { access_token: 'access-x', token_type: 'Bearer', expires_in: 0 }, 'expires_in'],
    ['expires_in absurd', { access_token: 'access-x', token_type: 'Bearer', expires_in: 1e12 }, 'expires_in'],
    [
      'scope a list',
      { access_token: 'access-x', token_type: 'Bearer', expires_in: 60, scope: ['a'] },
      'scope',
    ],
    ['a JSON array', [{ access_token: 'access-x' }], 'not a JSON object'],
    ['JSON null', null, 'not a JSON object'],
  ])('%s: server_error naming the field', async (_name, body, named) => {
    const raw = JSON.stringify(body);
    const run = await runCase(always({ body: raw, headers: { 'content-type': 'application/json' } }));
    expect(expectError(run, M2MErrorCode.ServerError, 200, 1).message).toContain(named);
  });

  it('a fractional expires_in is accepted, rounded down', async () => {
    const token = expectToken(await runCase(always({ body: tokenBody(59.9) })), 1);
    expect(token.expires_in).toBe(59);
  });
});

describe('oversized bodies (the client reads at most MAX_BODY_BYTES)', () => {
  const huge = () => ({ ...tokenBody(3600), padding: 'x'.repeat(MAX_BODY_BYTES + 1024) });

  it('declared by Content-Length: refused before reading, server_error', async () => {
    const run = await runCase(always({ body: huge() }));
    expect(run.error?.code).toBe(M2MErrorCode.ServerError);
    expect(run.error?.message).toContain(`${MAX_BODY_BYTES}-byte limit`);
    expect(run.server.requests.length).toBeGreaterThanOrEqual(1);
    expect(run.server.requests.length).toBeLessThanOrEqual(RETRIES + 1);
    expect(run.ms).toBeLessThan(boundMs());
  });

  it('chunked, without a length: cut off once the limit is passed, server_error', async () => {
    // slowBodyMs makes the server stream the body without a Content-Length.
    const run = await runCase(always({ body: huge(), slowBodyMs: 1 }));
    expect(run.error?.code).toBe(M2MErrorCode.ServerError);
    expect(run.error?.message).toContain(`${MAX_BODY_BYTES}-byte limit`);
    expect(run.server.requests.length).toBeLessThanOrEqual(RETRIES + 1);
    expect(run.ms).toBeLessThan(boundMs());
  });
});

describe('redirects (credentials are never sent to another origin)', () => {
  it.each([301, 302, 303, 307, 308])(
    '%i to another host: not followed, the other host sees nothing',
    async (status) => {
      const run = await runCase((server, other) =>
        server.setDefault({ status, headers: { location: `${other.url}/oauth2/token` }, body: '' }),
      );
      const error = expectError(run, M2MErrorCode.ServerError, status, 1);
      expect(error.message).toContain('not followed');
      expect(run.other.requests).toHaveLength(0);
    },
  );
});
