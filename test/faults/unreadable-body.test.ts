// Status 0 means that no response arrived. A response whose body is over the size bound, breaks off
// or does not decode did arrive: it keeps its status and the code its status implies, so a 4xx stays
// final and a 5xx stays retryable. Each case against a real loopback server.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { MAX_BODY_BYTES } from '../../src/client/transport.js';
import { M2MClient, M2MErrorCode } from '../../src/index.js';
import { rejectionOf } from '../integration/fixtures.js';
import { type Step, startTokenServer, type TokenServer, tokenBody } from '../support/token-server.js';

const RETRIES = 2;
const oversized = () => ({ error: 'invalid_request', padding: 'x'.repeat(MAX_BODY_BYTES + 1024) });
const oauthError = { error: 'invalid_client', error_description: 'client authentication failed' };

let server: TokenServer;
beforeEach(async () => {
  server = await startTokenServer();
});
afterEach(async () => {
  await server.close();
});

const client = () =>
  new M2MClient({
    url: server.url,
    clientId: 'svc-bodies',
    clientSecret: 'bodies-secret',
    timeout: 2000,
    retries: RETRIES,
    retryDelay: 10,
  });

/** The ways a body can fail to be read, each as the server's step for a given status. */
const unreadable: Array<[string, (status: number) => Step]> = [
  ['over the bound, declared by Content-Length', (status) => ({ status, body: oversized() })],
  ['over the bound, chunked', (status) => ({ status, body: oversized(), slowBodyMs: 1 })],
  ['cut off by a dropped connection', (status) => ({ status, body: oauthError, cutBody: true })],
  [
    'not decodable (a gzip label on plain text)',
    (status) => ({ status, body: 'plain text', headers: { 'content-encoding': 'gzip' } }),
  ],
];

describe.each(unreadable)('a body %s', (_name, step) => {
  it.each([
    [400, M2MErrorCode.InvalidRequest],
    [401, M2MErrorCode.InvalidClient],
    [403, M2MErrorCode.UnauthorizedClient],
  ])('HTTP %i keeps its status and the code it implies, and is not retried', async (status, code) => {
    server.setDefault(step(status));
    const error = await rejectionOf(client().getToken());
    expect({ code: error.code, status: error.status }).toEqual({ code, status });
    expect(error.transient).toBe(false);
    expect(error.message).toContain(`HTTP ${status} and a body that could not be read`);
    expect(error.headers?.['cache-control']).toBe('no-store');
    expect(server.requests).toHaveLength(1);
  });

  it.each([
    [500, M2MErrorCode.ServerError],
    [503, M2MErrorCode.TemporarilyUnavailable],
    [429, M2MErrorCode.RateLimitExceeded],
  ])('HTTP %i keeps its status and stays retryable', async (status, code) => {
    server.setDefault({ ...step(status), headers: { ...step(status).headers, 'retry-after': '0' } });
    const error = await rejectionOf(client().getToken());
    expect({ code: error.code, status: error.status }).toEqual({ code, status });
    expect(server.requests).toHaveLength(RETRIES + 1);
  });

  it('HTTP 503 once, then a token: the retry obtains it', async () => {
    server.enqueue(step(503), { body: tokenBody(3600) });
    const token = await client().getToken();
    expect(token.access_token).toMatch(/^access-/);
    expect(server.requests).toHaveLength(2);
  });

  it('HTTP 200: server_error with status 200, not retried (the server answered)', async () => {
    server.setDefault(step(200));
    const error = await rejectionOf(client().getToken());
    expect({ code: error.code, status: error.status }).toEqual({
      code: M2MErrorCode.ServerError,
      status: 200,
    });
    expect(server.requests).toHaveLength(1);
  });

  it('a revocation answered with HTTP 400 keeps its status and is not retried', async () => {
    const m2m = client();
    await m2m.getToken();
    server.setDefault(step(400));
    const error = await rejectionOf(m2m.revokeToken());
    expect({ code: error.code, status: error.status }).toEqual({
      code: M2MErrorCode.InvalidRequest,
      status: 400,
    });
    expect(server.requests.filter((request) => request.path === '/oauth2/revoke')).toHaveLength(1);
  });
});

it('a timeout while a 2xx body is still coming is still a timeout: status 0, retried', async () => {
  server.setDefault({ body: tokenBody(3600), slowBodyMs: 1000 });
  const m2m = new M2MClient({
    url: server.url,
    clientId: 'svc',
    clientSecret: 'bodies-secret',
    timeout: 200,
    retries: 1,
    retryDelay: 1,
  });
  const error = await rejectionOf(m2m.getToken());
  expect({ code: error.code, status: error.status }).toEqual({
    code: M2MErrorCode.TemporarilyUnavailable,
    status: 0,
  });
  expect(server.requests).toHaveLength(2);
});

it('the CLI reports an unreadable 401 as invalid_client with its exit status', async () => {
  server.setDefault({ status: 401, body: oversized() });
  const stderr: string[] = [];
  const status = await main({
    argv: ['token', '--url', server.url, '--client-id', 'svc', '--retries', '2'],
    env: { M2M_CLIENT_SECRET: 'bodies-secret' },
    stdin: process.stdin,
    stdout: () => undefined,
    stderr: (text) => stderr.push(text),
  });
  expect(stderr.join('')).toMatch(/^passflow-m2m: invalid_client: .*HTTP 401/);
  expect(status).toBe(4);
  expect(server.requests).toHaveLength(1);
});
