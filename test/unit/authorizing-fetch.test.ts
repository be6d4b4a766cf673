// The authorizing fetch over a scripted fetch and token source: headers, the one resend, bodies.
import { createHash } from 'node:crypto';
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { authorizingFetch, replayable } from '../../src/client/authorizing-fetch.js';
import { DpopProver } from '../../src/client/dpop-proof.js';
import type { M2MTokenRequestOptions, M2MTokenResponse } from '../../src/index.js';

type Sent = { url: string; method: string; headers: Headers; body: string | null };

/** A fetch that records what it is given and answers from `answers` in turn (then 200). */
function scriptedFetch(...answers: Array<() => Response>) {
  const sent: Sent[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    sent.push({
      url: request.url,
      method: request.method,
      headers: request.headers,
      body: request.body ? await request.text() : null,
    });
    return answers.shift()?.() ?? new Response('ok');
  };
  return { fetch: fetch as typeof globalThis.fetch, sent };
}

/** A token source that hands out `tok-1`, `tok-2`, ...: a new one on each forced refresh. */
function tokens(tokenType: 'Bearer' | 'DPoP' = 'Bearer') {
  let serial = 1;
  const calls: Array<M2MTokenRequestOptions | undefined> = [];
  const getToken = async (options?: M2MTokenRequestOptions): Promise<M2MTokenResponse> => {
    calls.push(options);
    if (options?.forceRefresh) serial++;
    return { access_token: `tok-${serial}`, token_type: tokenType, expires_in: 3600 };
  };
  return { getToken, calls };
}

/** An authorizing fetch over `wire`: bearer tokens, or with `dpop` a generated proof key. */
function over(wire: { fetch: typeof fetch }, source = tokens(), dpop = false) {
  return authorizingFetch({
    getToken: source.getToken,
    dpop: dpop ? new DpopProver(true) : undefined,
    fetch: wire.fetch,
  });
}

const unauthorized =
  (challenge: string, extra: Record<string, string> = {}) =>
  () =>
    new Response(null, { status: 401, headers: { 'www-authenticate': challenge, ...extra } });

describe('m2m.fetch with bearer tokens', () => {
  it("sets Authorization and leaves the caller's headers, method and body as they were", async () => {
    const wire = scriptedFetch();
    const source = tokens();
    const client = over(wire, source);
    const callerHeaders = new Headers({ 'x-trace': 'abc', 'content-type': 'application/json' });
    const response = await client.fetch('http://api.test/orders?x=1', {
      method: 'POST',
      headers: callerHeaders,
      body: '{"id":1}',
    });
    expect(await response.text()).toBe('ok');
    expect(wire.sent).toHaveLength(1);
    const [sent] = wire.sent;
    expect(sent?.url).toBe('http://api.test/orders?x=1');
    expect(sent?.method).toBe('POST');
    expect(sent?.body).toBe('{"id":1}');
    expect(Object.fromEntries(sent?.headers ?? [])).toEqual({
      authorization: 'Bearer tok-1',
      'content-type': 'application/json',
      'x-trace': 'abc',
    });
    expect([...callerHeaders.keys()]).toEqual(['content-type', 'x-trace']);
    expect(source.calls).toEqual([undefined]);
  });

  it("replaces an Authorization or DPoP header of the caller's own", async () => {
    const wire = scriptedFetch();
    const client = over(wire);
    await client.fetch('http://api.test/x', { headers: { Authorization: 'Basic abc', DPoP: 'stale' } });
    expect(wire.sent[0]?.headers.get('authorization')).toBe('Bearer tok-1');
    expect(wire.sent[0]?.headers.get('dpop')).toBe('stale');
  });

  it('takes scopes, audience and resource out of init for the token, and keeps the headers of a Request', async () => {
    const wire = scriptedFetch();
    const source = tokens();
    const client = over(wire, source);
    const controller = new AbortController();
    await client.fetch(new Request('http://api.test/r', { headers: { 'x-a': '1' } }), {
      scopes: ['orders:read'],
      audience: ['https://api.test'],
      resource: 'https://api.test/r',
      signal: controller.signal,
    });
    expect(source.calls).toEqual([
      {
        scopes: ['orders:read'],
        audience: ['https://api.test'],
        resource: 'https://api.test/r',
        signal: controller.signal,
      },
    ]);
    expect(wire.sent[0]?.headers.get('x-a')).toBe('1');
    expect(wire.sent[0]?.headers.get('authorization')).toBe('Bearer tok-1');
  });

  it('401 invalid_token: a forced refresh and one resend; the second 401 comes back as it came', async () => {
    const wire = scriptedFetch(
      unauthorized('Bearer error="invalid_token"'),
      () =>
        new Response('still no', {
          status: 401,
          headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
        }),
    );
    const source = tokens();
    const client = over(wire, source);
    const response = await client.fetch('http://api.test/x', {
      body: new URLSearchParams({ a: 'b' }),
      method: 'POST',
    });
    expect(response.status).toBe(401);
    expect(await response.text()).toBe('still no');
    expect(wire.sent.map((s) => s.headers.get('authorization'))).toEqual(['Bearer tok-1', 'Bearer tok-2']);
    expect(wire.sent.map((s) => s.body)).toEqual(['a=b', 'a=b']);
    expect(source.calls).toEqual([undefined, undefined, { forceRefresh: true }]);
  });

  it('after a refresh by another caller, the newer token is used without refreshing again', async () => {
    let current = 'tok-old';
    const getToken = async (options?: M2MTokenRequestOptions): Promise<M2MTokenResponse> => {
      if (options?.forceRefresh) throw new Error('no forced refresh expected');
      const token = current;
      current = 'tok-new';
      return { access_token: token, token_type: 'Bearer', expires_in: 60 };
    };
    const wire = scriptedFetch(unauthorized('Bearer error="invalid_token"'));
    const client = authorizingFetch({ getToken, dpop: undefined, fetch: wire.fetch });
    expect((await client.fetch('http://api.test/x')).status).toBe(200);
    expect(wire.sent.map((s) => s.headers.get('authorization'))).toEqual([
      'Bearer tok-old',
      'Bearer tok-new',
    ]);
  });

  it.each([
    [
      '403',
      () =>
        new Response(null, { status: 403, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } }),
    ],
    ['401 without a challenge', () => new Response(null, { status: 401 })],
    ['401 insufficient_scope', unauthorized('Bearer error="insufficient_scope"')],
  ])('%s is returned as it came, without a resend', async (_name, answer) => {
    const wire = scriptedFetch(answer);
    const source = tokens();
    const client = over(wire, source);
    const response = await client.fetch('http://api.test/x');
    expect(response.status).toBe(answer().status);
    expect(wire.sent).toHaveLength(1);
    expect(source.calls).toEqual([undefined]);
  });

  it('a one-shot stream body is not sent twice: the 401 comes back', async () => {
    const wire = scriptedFetch(unauthorized('Bearer error="invalid_token"'));
    const source = tokens();
    const client = over(wire, source);
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('streamed'));
        controller.close();
      },
    });
    const response = await client.fetch('http://api.test/x', {
      method: 'PUT',
      body,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(401);
    expect(wire.sent.map((s) => s.body)).toEqual(['streamed']);
    expect(source.calls).toEqual([undefined]);
  });

  it('an aborted signal rejects, as fetch does', async () => {
    const source = tokens();
    const client = authorizingFetch({ getToken: source.getToken, dpop: undefined, fetch: globalThis.fetch });
    const controller = new AbortController();
    controller.abort();
    await expect(
      client.fetch('http://127.0.0.1:9/never', { signal: controller.signal }),
    ).rejects.toMatchObject({
      name: 'AbortError',
    });
  });
});

describe('m2m.fetch with DPoP-bound tokens', () => {
  it("Authorization: DPoP and a proof with htm, htu (no query), ath, in place of the caller's DPoP header", async () => {
    const wire = scriptedFetch();
    const client = over(wire, tokens('DPoP'), true);
    await client.fetch('http://api.test/orders/7?full=1#x', { method: 'delete', headers: { dpop: 'stale' } });
    const headers = wire.sent[0]?.headers;
    expect(headers?.get('authorization')).toBe('DPoP tok-1');
    const proof = decodeJwt(headers?.get('dpop') ?? '');
    expect(proof).toMatchObject({
      htm: 'DELETE',
      htu: 'http://api.test/orders/7',
      ath: createHash('sha256').update('tok-1').digest('base64url'),
    });
  });

  it("a resource server's nonce challenge: one resend with the nonce and the same token", async () => {
    const wire = scriptedFetch(unauthorized('DPoP error="use_dpop_nonce"', { 'dpop-nonce': 'rs-nonce-1' }));
    const source = tokens('DPoP');
    const client = over(wire, source, true);
    expect((await client.fetch('http://api.test/x')).status).toBe(200);
    const proofs = wire.sent.map((s) => decodeJwt(s.headers.get('dpop') ?? ''));
    expect(proofs.map((p) => p.nonce)).toEqual([undefined, 'rs-nonce-1']);
    expect(proofs[0]?.jti).not.toBe(proofs[1]?.jti);
    expect(wire.sent.map((s) => s.headers.get('authorization'))).toEqual(['DPoP tok-1', 'DPoP tok-1']);
    expect(source.calls).toEqual([undefined]);
  });

  it('a nonce on a successful response is used from the next request on, for that origin only', async () => {
    const wire = scriptedFetch(() => new Response('ok', { headers: { 'dpop-nonce': 'fresh' } }));
    const client = over(wire, tokens('DPoP'), true);
    await client.fetch('http://api.test/a');
    await client.fetch('http://api.test/b');
    await client.fetch('http://other.test/c');
    expect(wire.sent.map((s) => decodeJwt(s.headers.get('dpop') ?? '').nonce)).toEqual([
      undefined,
      'fresh',
      undefined,
    ]);
  });

  it('a nonce challenge to a bearer request is returned as it came: there is no proof to put it in', async () => {
    const wire = scriptedFetch(unauthorized('DPoP error="use_dpop_nonce"', { 'dpop-nonce': 'n' }));
    const client = over(wire, tokens('Bearer'), true);
    expect((await client.fetch('http://api.test/a')).status).toBe(401);
    expect(wire.sent).toHaveLength(1);
  });

  it('a Bearer token (the server did not bind it) is sent as a bearer token, without a proof', async () => {
    const wire = scriptedFetch();
    const client = over(wire, tokens('Bearer'), true);
    await client.fetch('http://api.test/a');
    expect(wire.sent[0]?.headers.get('authorization')).toBe('Bearer tok-1');
    expect(wire.sent[0]?.headers.has('dpop')).toBe(false);
  });
});

describe('authorizationHeaders', () => {
  it('bearer: only authorization', async () => {
    const client = authorizingFetch({
      getToken: tokens().getToken,
      dpop: undefined,
      fetch: globalThis.fetch,
    });
    expect(await client.authorizationHeaders('get', 'not even a URL')).toEqual({
      authorization: 'Bearer tok-1',
    });
  });

  it('DPoP: the proof for the upper-cased method and the URL, with ath', async () => {
    const client = authorizingFetch({
      getToken: tokens('DPoP').getToken,
      dpop: new DpopProver(true),
      fetch: globalThis.fetch,
    });
    const headers = await client.authorizationHeaders('post', new URL('https://api.test/pay?x=1'));
    expect(headers.authorization).toBe('DPoP tok-1');
    expect(decodeJwt(headers.dpop ?? '')).toMatchObject({ htm: 'POST', htu: 'https://api.test/pay' });
    await expect(client.authorizationHeaders('GET', '/relative')).rejects.toMatchObject({
      name: 'M2MError',
      code: 'invalid_request',
    });
  });
});

describe('replayable', () => {
  it.each([
    [undefined, true],
    [null, true],
    ['text', true],
    [new Uint8Array([1]), true],
    [new ArrayBuffer(2), true],
    [new URLSearchParams('a=b'), true],
    [new FormData(), true],
    [new Blob(['x']), true],
    [new ReadableStream(), false],
  ])('%# %s', (body, expected) => {
    expect(replayable(body as BodyInit | null | undefined, undefined)).toBe(expected);
  });

  it('a Request: without a body yes, with its (stream) body no, unless init gives a body', () => {
    expect(replayable(undefined, new Request('http://a.test/'))).toBe(true);
    const withBody = new Request('http://a.test/', { method: 'POST', body: 'x' });
    expect(replayable(undefined, withBody)).toBe(false);
    expect(replayable('y', withBody)).toBe(true);
  });
});
