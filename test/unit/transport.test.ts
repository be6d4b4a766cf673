// The transport's one dependency on openapi-fetch internals: its `Request` option receives the final
// URL and the whole init, and what it constructs reaches `fetch` as is. If openapi-fetch changes that,
// these tests fail before a token request does.
import createClient from 'openapi-fetch';
import { describe, expect, it, vi } from 'vitest';
import { createTransport, formBody, RequestParts, unbuiltRequests } from '../../src/client/transport.js';
import type { paths } from '../../src/generated/schema.js';

const URL = 'https://auth.example.test';
const FORM = { grant_type: 'client_credentials' as const, client_id: 'svc', scope: 'a b' };

describe('openapi-fetch builds no Request: the URL and init reach fetch as they are', () => {
  it('hands fetch what its Request option constructed, with the final URL and the whole init', async () => {
    const send = vi.fn(async (_parts: RequestParts) => new Response('{}', { status: 200 }));
    const client = createClient<paths, 'application/x-www-form-urlencoded'>({
      baseUrl: URL,
      ...unbuiltRequests(send),
      bodySerializer: formBody,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      redirect: 'manual',
    });
    const signal = new AbortController().signal;
    const result = await client.POST('/oauth2/token', {
      body: FORM,
      headers: { authorization: 'Basic x' },
      signal,
    });
    expect(result.response.status).toBe(200);
    expect(send).toHaveBeenCalledTimes(1);
    const parts = send.mock.calls[0]?.[0];
    expect(parts).toBeInstanceOf(RequestParts);
    expect(parts?.url).toBe(`${URL}/oauth2/token`);
    expect(parts?.method).toBe('POST');
    expect(parts?.init.method).toBe('POST');
    expect(parts?.init.body).toBe('grant_type=client_credentials&client_id=svc&scope=a+b');
    expect(parts?.init.signal).toBe(signal);
    expect(parts?.init.redirect).toBe('manual');
    const headers = new Headers(parts?.init.headers);
    expect(headers.get('content-type')).toBe('application/x-www-form-urlencoded');
    expect(headers.get('authorization')).toBe('Basic x');
  });

  it('gives a fetch of the user a complete WHATWG Request', async () => {
    const received: Request[] = [];
    const fetch = vi.fn(async (request: Request) => {
      received.push(request);
      return new Response('{"ok":true}', { status: 200, headers: { 'content-type': 'application/json' } });
    });
    const transport = createTransport(URL, fetch as unknown as typeof globalThis.fetch);
    const { data } = await transport.POST('/oauth2/token', { body: FORM, parseAs: 'text' });
    expect(data).toBe('{"ok":true}');
    const [request] = received;
    expect(request).toBeInstanceOf(Request);
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe(`${URL}/oauth2/token`);
    expect(request?.redirect).toBe('manual');
    expect(request?.headers.get('accept')).toBe('application/json');
    expect(await request?.text()).toBe('grant_type=client_credentials&client_id=svc&scope=a+b');
  });
});

describe('formBody', () => {
  it('form-urlencodes the fields, leaving out undefined ones', () => {
    expect(formBody({ a: 'x y', b: undefined, c: 'ä&=' })).toBe('a=x+y&c=%C3%A4%26%3D');
  });
});
