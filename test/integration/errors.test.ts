// How every failure reaches the caller: the M2MError mapping of DESIGN.md, the per-attempt timeout and
// the caller's AbortSignal, against the real loopback server.
import { describe, expect, it } from 'vitest';
import { M2MError, M2MErrorCode } from '../../src/index.js';
import { type Step, startTokenServer, tokenBody } from '../support/token-server.js';
import { rejectionOf, settle, untilRequests, useTokenServer } from './fixtures.js';

const t = useTokenServer();

/** The error of one token request answered by `step`, without retries. */
async function errorFor(step: Step): Promise<M2MError> {
  t.server.enqueue(step);
  const error = await rejectionOf(t.client({ retries: 0 }).getToken());
  expect(error).toBeInstanceOf(Error);
  expect(error.name).toBe('M2MError');
  return error;
}

function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let at = error; at instanceof Error && chain.length < 10; at = at.cause) chain.push(at);
  return chain;
}

describe('OAuth error responses (RFC 6749 §5.2)', () => {
  it('maps a JSON error body to its code, with description, status, error_uri and lower-cased headers', async () => {
    const error = await errorFor({
      status: 400,
      headers: { 'X-Request-Id': 'req-42' },
      body: {
        error: 'invalid_scope',
        error_description: 'scope admin:all is not allowed',
        error_uri: 'https://docs.example.test/errors#invalid_scope',
      },
    });
    expect(error.code).toBe(M2MErrorCode.InvalidScope);
    expect(error.status).toBe(400);
    expect(error.message).toContain('invalid_scope');
    expect(error.message).toContain('scope admin:all is not allowed');
    expect(error.headers?.['x-request-id']).toBe('req-42');
    expect(Object.keys(error.headers ?? {}).every((name) => name === name.toLowerCase())).toBe(true);
    expect(error.errorUri).toBe('https://docs.example.test/errors#invalid_scope');
  });

  it.each([
    [400, 'invalid_request'],
    [401, 'invalid_client'],
    [400, 'invalid_grant'],
    [400, 'unauthorized_client'],
    [400, 'unsupported_grant_type'],
    [503, 'temporarily_unavailable'],
    [500, 'server_error'],
  ])('HTTP %i with error=%s keeps that code', async (status, code) => {
    const error = await errorFor({ status, body: { error: code } });
    expect(error.code).toBe(code);
    expect(error.status).toBe(status);
  });

  it('keeps the WWW-Authenticate header of a 401', async () => {
    const error = await errorFor({
      status: 401,
      headers: { 'WWW-Authenticate': 'Basic realm="passflow"' },
      body: { error: 'invalid_client' },
    });
    expect(error.code).toBe(M2MErrorCode.InvalidClient);
    expect(error.headers?.['www-authenticate']).toBe('Basic realm="passflow"');
  });

  it('an unknown error code falls back to the code for the status, and is named in the message', async () => {
    const error = await errorFor({ status: 400, body: { error: 'weird_condition' } });
    expect(error.code).toBe(M2MErrorCode.InvalidRequest);
    expect(error.message).toContain('weird_condition');
  });

  it('429 is rate_limit_exceeded whatever the body says, with the rate-limit headers', async () => {
    const error = await errorFor({
      status: 429,
      headers: { 'Retry-After': '30', 'X-RateLimit-Remaining': '0' },
      body: { error: 'slow_down' },
    });
    expect(error.code).toBe(M2MErrorCode.RateLimitExceeded);
    expect(error.status).toBe(429);
    expect(error.headers?.['retry-after']).toBe('30');
    expect(error.headers?.['x-ratelimit-remaining']).toBe('0');
  });
});

describe('responses without an OAuth error body', () => {
  it.each([
    [500, M2MErrorCode.ServerError],
    [502, M2MErrorCode.ServerError],
    [504, M2MErrorCode.ServerError],
    [503, M2MErrorCode.TemporarilyUnavailable],
    [408, M2MErrorCode.TemporarilyUnavailable],
    [401, M2MErrorCode.InvalidClient],
    [403, M2MErrorCode.UnauthorizedClient],
    [404, M2MErrorCode.InvalidRequest],
  ])('HTTP %i with an empty body → %s', async (status, code) => {
    const error = await errorFor({ status, body: '' });
    expect(error.code).toBe(code);
    expect(error.status).toBe(status);
    expect(error.message).toContain(`HTTP ${status}`);
  });

  it('an HTML error page maps by status and names its content type', async () => {
    const html = '<html><body><h1>502 Bad Gateway</h1></body></html>';
    const error = await errorFor({ status: 502, headers: { 'content-type': 'text/html' }, body: html });
    expect(error.code).toBe(M2MErrorCode.ServerError);
    expect(error.message).toContain('text/html');
    expect(error.message).not.toContain('<html>');
    const client = await errorFor({ status: 400, headers: { 'content-type': 'text/html' }, body: html });
    expect(client.code).toBe(M2MErrorCode.InvalidRequest);
  });

  it('a truncated JSON error body maps by status', async () => {
    const error = await errorFor({ status: 400, body: '{"error":"invalid_sc' });
    expect(error.code).toBe(M2MErrorCode.InvalidRequest);
    expect(error.status).toBe(400);
  });

  it('a redirect is not followed: the credentials never reach the other location', async () => {
    const elsewhere = await startTokenServer();
    try {
      const error = await errorFor({ status: 302, headers: { location: `${elsewhere.url}/oauth2/token` } });
      expect(error.code).toBe(M2MErrorCode.ServerError);
      expect(error.status).toBe(302);
      expect(error.message).toContain('not followed');
      expect(elsewhere.requests).toHaveLength(0);
    } finally {
      await elsewhere.close();
    }
  });
});

describe('2xx bodies that are not a token response → server_error naming the defect', () => {
  it.each<[string, Step, RegExp]>([
    ['an HTML page', { headers: { 'content-type': 'text/html' }, body: '<html>ok</html>' }, /not JSON/],
    ['truncated JSON', { body: '{"access_token":"abc","token_ty' }, /not JSON/],
    ['an empty body', { body: '' }, /empty/],
    ['a JSON array', { body: [1, 2] }, /not a JSON object/],
    ['no access_token', { body: { token_type: 'Bearer', expires_in: 3600 } }, /access_token/],
    ['an empty access_token', { body: tokenBody(3600, { access_token: '' }) }, /access_token/],
    ['token_type mac', { body: tokenBody(3600, { token_type: 'mac' }) }, /token_type/],
    ['no token_type', { body: { access_token: 'a', expires_in: 3600 } }, /token_type/],
    ['expires_in as a string', { body: tokenBody(3600, { expires_in: '3600' }) }, /expires_in/],
    ['no expires_in', { body: { access_token: 'a', token_type: 'Bearer' } }, /expires_in/],
    ['a negative expires_in', { body: tokenBody(-5) }, /expires_in/],
    ['a non-string scope', { body: tokenBody(3600, { scope: ['a'] }) }, /scope/],
  ])('%s', async (_label, step, problem) => {
    const error = await errorFor(step);
    expect(error.code).toBe(M2MErrorCode.ServerError);
    expect(error.status).toBe(200);
    expect(error.message).toMatch(/^Invalid token response/);
    expect(error.message).toMatch(problem);
  });

  it('accepts token_type in any case and returns it as "Bearer"', async () => {
    t.server.enqueue({ body: tokenBody(3600, { token_type: 'bearer' }) });
    const token = await t.client().getToken();
    expect(token.token_type).toBe('Bearer');
  });

  it('a body over the size limit is a server_error', async () => {
    t.server.enqueue({ body: tokenBody(3600, { padding: 'x'.repeat(300 * 1024) }) });
    const error = await rejectionOf(t.client({ retries: 0 }).getToken());
    expect(error.code).toBe(M2MErrorCode.ServerError);
  });
});

describe('network failures and timeouts → temporarily_unavailable, status 0, cause kept', () => {
  it('a closed port', async () => {
    const gone = await startTokenServer();
    await gone.close();
    const error = await rejectionOf(t.client({ url: gone.url, retries: 0 }).getToken());
    expect(error.code).toBe(M2MErrorCode.TemporarilyUnavailable);
    expect(error.status).toBe(0);
    expect(error.cause).toBeInstanceOf(Error);
    expect(error.message).toContain('ECONNREFUSED');
    expect(causes(error).some((cause) => (cause as { code?: string }).code === 'ECONNREFUSED')).toBe(true);
  });

  it('a connection reset', async () => {
    const error = await errorFor({ reset: true });
    expect(error.code).toBe(M2MErrorCode.TemporarilyUnavailable);
    expect(error.status).toBe(0);
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('a server that never answers: the attempt times out after `timeout` ms', async () => {
    t.server.enqueue({ hang: true });
    const error = await rejectionOf(t.client({ retries: 0, timeout: 50 }).getToken());
    expect(error.code).toBe(M2MErrorCode.TemporarilyUnavailable);
    expect(error.status).toBe(0);
    expect(error.message).toContain('timed out after 50 ms');
    expect((error.cause as Error).name).toBe('TimeoutError');
  });

  it('a body that stalls past the timeout', async () => {
    t.server.enqueue({ slowBodyMs: 1000 });
    const error = await rejectionOf(t.client({ retries: 0, timeout: 50 }).getToken());
    expect(error.code).toBe(M2MErrorCode.TemporarilyUnavailable);
    expect(error.status).toBe(0);
  });

  it('the timeout is per attempt: a hung attempt is followed by a retry that succeeds', async () => {
    t.server.enqueue({ hang: true });
    const token = await t.client({ retries: 1, timeout: 50 }).getToken();
    expect(token.access_token).toMatch(/^access-/);
    expect(t.server.requests).toHaveLength(2);
  });
});

describe("the caller's AbortSignal", () => {
  it('rejects that caller promptly with an M2MError while others sharing the flight get the token', async () => {
    t.server.setDefault({ delayMs: 300 });
    const m2m = t.client();
    const controller = new AbortController();
    const aborted = rejectionOf(m2m.getToken({ signal: controller.signal }));
    let sharedDone = false;
    const shared = m2m.getToken().then((token) => {
      sharedDone = true;
      return token;
    });
    await untilRequests(t.server, 1);
    controller.abort();
    const error = await aborted;
    expect(sharedDone).toBe(false);
    expect(error).toBeInstanceOf(M2MError);
    expect(error.code).toBe(M2MErrorCode.TemporarilyUnavailable);
    expect(error.status).toBe(0);
    expect(error.message).toMatch(/aborted/);
    const token = await shared;
    expect(token.access_token).toMatch(/^access-/);
    expect(t.server.requests).toHaveLength(1);
    // The flight's token was cached for everyone.
    expect(await m2m.getToken()).toBe(token);
  });

  it('an already-aborted signal rejects with an M2MError; a failing flight left behind is no unhandled rejection', async () => {
    const gone = await startTokenServer();
    await gone.close();
    const fetches: Promise<unknown>[] = [];
    const recordingFetch: typeof fetch = (input, init) => {
      const response = fetch(input, init);
      fetches.push(response.catch(() => undefined));
      return response;
    };
    const m2m = t.client({ url: gone.url, retries: 0, fetch: recordingFetch });
    const error = await rejectionOf(m2m.getToken({ signal: AbortSignal.abort() }));
    expect(error.code).toBe(M2MErrorCode.TemporarilyUnavailable);
    expect(error.message).toMatch(/aborted/);
    // Whatever the client started for it fails with nobody waiting: vitest fails the run on an
    // unhandled rejection, so getting past these turns is the assertion.
    await Promise.all(fetches);
    await settle();
  });

  it('a signal is not needed for a cached token and does not affect it', async () => {
    const m2m = t.client();
    const token = await m2m.getToken();
    const controller = new AbortController();
    expect(await m2m.getToken({ signal: controller.signal })).toBe(token);
    controller.abort();
    expect(await m2m.getToken()).toBe(token);
  });

  it('invalid per-call options reject with an M2MError naming the option', async () => {
    const m2m = t.client();
    const error = await rejectionOf(m2m.getToken({ scopes: ['has space'] }));
    expect(error.code).toBe(M2MErrorCode.InvalidRequest);
    expect(error.message).toContain('options.scopes[0]');
    expect(t.server.requests).toHaveLength(0);
  });
});
