// The endpoint: one authenticated form POST with a timeout per attempt and the retry policy, over a
// fetch that records the requests it is given (no network).
import { describe, expect, it } from 'vitest';
import type { ClientAuthentication, FormRequest } from '../../src/client/client-auth.js';
import { clientAuthentication } from '../../src/client/client-auth.js';
import {
  createEndpoint,
  Endpoint,
  type EndpointSettings,
  type FormOperation,
} from '../../src/client/endpoint.js';
import { MAX_RETRY_WAIT_MS, MAX_STRATEGY_RETRIES } from '../../src/client/retry.js';
import { revocationRequest } from '../../src/client/revocation.js';
import { M2MError, M2MErrorCode } from '../../src/index.js';

const URL = 'https://auth.example.test';

type Sent = { url: string; headers: Record<string, string>; form: Record<string, string>; request: Request };

/** A fetch answering with `answers` in turn (the last one repeats); `'hang'` waits for the abort. */
function server(...answers: (Response | 'hang' | Error)[]) {
  const sent: Sent[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    sent.push({
      url: request.url,
      headers: Object.fromEntries(request.headers),
      form: Object.fromEntries(new URLSearchParams(await request.clone().text())),
      request,
    });
    const answer = answers[Math.min(sent.length, answers.length) - 1];
    if (answer instanceof Error) throw answer;
    if (answer === 'hang' || answer === undefined) {
      return new Promise((_, reject) => {
        request.signal.addEventListener('abort', () => reject(request.signal.reason));
      });
    }
    return answer.clone();
  };
  return { sent, fetch: fetch as typeof globalThis.fetch };
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

function settings(
  fetch: typeof globalThis.fetch,
  overrides: Partial<EndpointSettings> = {},
): EndpointSettings {
  return { baseUrl: URL, timeout: 50, fetch, retries: 2, retryDelay: 0, strategy: undefined, ...overrides };
}

const post = (id = 'svc', secret = 'unit-secret') =>
  clientAuthentication({ url: URL, clientId: id, clientSecret: secret });

/** An operation that sends `form` and reads the body text. */
function echo(
  form: Record<string, string | undefined> = { grant_type: 'client_credentials' },
): FormOperation<string> {
  return { path: '/oauth2/token', action: 'Token request', form, read: (_response, body) => body ?? '' };
}

async function rejection(promise: Promise<unknown>): Promise<M2MError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(M2MError);
  return error as M2MError;
}

describe('endpoint: the authenticated form POST', () => {
  it('posts the form with client_secret_post credentials to the endpoint URL, without redirects', async () => {
    const { sent, fetch } = server(new Response('ok'));
    const form = { grant_type: 'client_credentials', scope: 'a b', audience: undefined };
    expect(await new Endpoint(settings(fetch), post()).call(echo(form))).toBe('ok');
    expect(sent).toHaveLength(1);
    const [request] = sent;
    expect(request?.url).toBe(`${URL}/oauth2/token`);
    expect(request?.request.method).toBe('POST');
    expect(request?.request.redirect).toBe('manual');
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request?.headers.accept).toBe('application/json');
    expect(request?.headers.authorization).toBeUndefined();
    expect(request?.form).toEqual({
      grant_type: 'client_credentials',
      scope: 'a b',
      client_id: 'svc',
      client_secret: 'unit-secret',
    });
    expect(form).toEqual({ grant_type: 'client_credentials', scope: 'a b', audience: undefined });
  });

  it('sends client_secret_basic as an Authorization header, id and secret form-urlencoded first', async () => {
    const { sent, fetch } = server(new Response('ok'));
    const basic = clientAuthentication({
      url: URL,
      clientId: 'svc:1',
      clientSecret: 'p@ss word&=',
      authMethod: 'client_secret_basic',
    });
    await new Endpoint(settings(fetch), basic).call(echo());
    const header = sent[0]?.headers.authorization ?? '';
    expect(header.startsWith('Basic ')).toBe(true);
    expect(atob(header.slice(6))).toBe('svc%3A1:p%40ss+word%26%3D');
    expect(sent[0]?.form).toEqual({ grant_type: 'client_credentials', client_id: 'svc:1' });
  });

  it('authenticates every attempt afresh, and may take its time doing it', async () => {
    const { sent, fetch } = server(json(503, {}), new Response('ok'));
    let proofs = 0;
    const urls: string[] = [];
    const call = {
      authenticate: async (request: FormRequest) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        proofs++;
        urls.push(request.url);
        request.form.client_assertion = `assertion-${proofs}`;
        request.headers.dpop = `proof-${proofs}`;
      },
    };
    const signing: ClientAuthentication = {
      method: 'private_key_jwt',
      begin: async () => call,
      renew: async () => undefined,
      credentialKey: async () => 'key',
      forget: () => {},
      secrets: () => [],
    };
    await new Endpoint(settings(fetch), signing).call(echo());
    expect(sent.map((s) => [s.form.client_assertion, s.headers.dpop])).toEqual([
      ['assertion-1', 'proof-1'],
      ['assertion-2', 'proof-2'],
    ]);
    expect(urls).toEqual([`${URL}/oauth2/token`, `${URL}/oauth2/token`]);
  });

  it('maps an OAuth error response to its code and status', async () => {
    const { fetch } = server(json(401, { error: 'invalid_client', error_description: 'no such client' }));
    const error = await rejection(new Endpoint(settings(fetch), post()).call(echo()));
    expect(error.code).toBe(M2MErrorCode.InvalidClient);
    expect(error.status).toBe(401);
    expect(error.message).toContain('Token request failed with HTTP 401: invalid_client - no such client');
  });

  it('reports a network failure as temporarily_unavailable with status 0 and the cause', async () => {
    const { fetch } = server(new TypeError('fetch failed'));
    const error = await rejection(new Endpoint(settings(fetch, { retries: 0 }), post()).call(echo()));
    expect(error.code).toBe(M2MErrorCode.TemporarilyUnavailable);
    expect(error.status).toBe(0);
    expect(error.cause?.message).toBe('fetch failed');
  });
});

describe('endpoint: timeout and retries', () => {
  it('retries transient failures under the policy, telling each attempt, and never other 4xx', async () => {
    const flaky = server(json(503, {}), json(500, {}), new Response('ok'));
    const attempts: number[] = [];
    const endpoint = new Endpoint(settings(flaky.fetch), post());
    expect(await endpoint.call(echo(), { onAttempt: (n) => attempts.push(n) })).toBe('ok');
    expect(attempts).toEqual([1, 2, 3]);

    const refused = server(json(400, { error: 'invalid_scope' }));
    const error = await rejection(new Endpoint(settings(refused.fetch), post()).call(echo()));
    expect(error.code).toBe(M2MErrorCode.InvalidScope);
    expect(refused.sent).toHaveLength(1);
  });

  it('gives every attempt a timeout of its own', async () => {
    const { sent, fetch } = server('hang', new Response('ok'));
    expect(await new Endpoint(settings(fetch), post()).call(echo())).toBe('ok');
    expect(sent.map((s) => s.request.signal.aborted)).toEqual([true, false]);
  });

  it('fails with the timeout in the message once every attempt timed out', async () => {
    const { sent, fetch } = server('hang');
    const error = await rejection(new Endpoint(settings(fetch, { retries: 1 }), post()).call(echo()));
    expect(sent).toHaveLength(2);
    expect(error.code).toBe(M2MErrorCode.TemporarilyUnavailable);
    expect(error.status).toBe(0);
    expect(error.message).toBe('Token request timed out after 50 ms');
  });

  it('makes no further attempt once the call is abandoned', async () => {
    const { sent, fetch } = server(json(503, {}));
    const error = await rejection(
      new Endpoint(settings(fetch), post()).call(echo(), { abandoned: () => true }),
    );
    expect(sent).toHaveLength(1);
    expect(error.code).toBe(M2MErrorCode.TemporarilyUnavailable);
  });

  it('knows the longest a call may take: every attempt timing out, every wait at its cap', () => {
    const { fetch } = server();
    expect(new Endpoint(settings(fetch, { retries: 2, timeout: 50 }), post()).longestCallMs).toBe(
      3 * 50 + 2 * MAX_RETRY_WAIT_MS,
    );
    const strategy = { shouldRetry: () => true, getDelay: () => 0 };
    expect(new Endpoint(settings(fetch, { strategy, timeout: 50 }), post()).longestCallMs).toBe(
      (MAX_STRATEGY_RETRIES + 1) * 50 + MAX_STRATEGY_RETRIES * MAX_RETRY_WAIT_MS,
    );
  });
});

describe('createEndpoint: the endpoint of a configuration (the CLI revokes through it)', () => {
  it('checks the configuration, then revokes with its authentication, timeout and retries', async () => {
    const { sent, fetch } = server(json(503, {}), new Response(null, { status: 200 }));
    const config = {
      url: URL,
      clientId: 'svc',
      clientSecret: 'unit-secret',
      retries: 1,
      retryDelay: 0,
      fetch,
    };
    await createEndpoint({ ...config, authMethod: 'client_secret_basic' }).call(revocationRequest('tok'));
    expect(sent).toHaveLength(2);
    expect(sent[1]?.url).toBe(`${URL}/oauth2/revoke`);
    expect(sent[1]?.form).toEqual({ token: 'tok', token_type_hint: 'access_token', client_id: 'svc' });
    expect(sent[1]?.headers.authorization).toMatch(/^Basic /);
    expect(() => createEndpoint({ ...config, url: 'http://auth.example.test' })).toThrow(
      'M2MClientConfig.url',
    );
  });
});
