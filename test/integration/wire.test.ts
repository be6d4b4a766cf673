// What the client puts on the wire (RFC 6749 §4.4.2, §2.3.1; RFC 8707), as the loopback server sees it.
import { describe, expect, it } from 'vitest';
import { SECRET, useTokenServer } from './fixtures.js';

const t = useTokenServer();

/** A secret holding every character RFC 6749 §2.3.1's form-encoding must protect. */
const AWKWARD_SECRET = 'p:a+s/s%w o€rd✓=&';
const AWKWARD_ID = 'svc:id é';

/** Server side of client_secret_basic: base64, split at the first ":", then form-decode each half. */
function decodeBasic(header: string | string[] | undefined): { raw: string; id: string; secret: string } {
  expect(typeof header).toBe('string');
  const [scheme, encoded] = String(header).split(' ');
  expect(scheme).toBe('Basic');
  const raw = Buffer.from(encoded ?? '', 'base64').toString('latin1');
  const colon = raw.indexOf(':');
  const formDecode = (value: string) => decodeURIComponent(value.replace(/\+/g, ' '));
  return { raw, id: formDecode(raw.slice(0, colon)), secret: formDecode(raw.slice(colon + 1)) };
}

describe('client authentication', () => {
  it('client_secret_post by default: id and secret in the form body, no Authorization header', async () => {
    await t.client({ clientSecret: AWKWARD_SECRET }).getToken();
    const [request] = t.server.requests;
    expect(request?.headers.authorization).toBeUndefined();
    expect(request?.form.client_id).toBe('svc');
    expect(request?.form.client_secret).toBe(AWKWARD_SECRET);
  });

  it('client_secret_basic form-urlencodes id and secret before base64 (RFC 6749 §2.3.1)', async () => {
    const m2m = t.client({
      clientId: AWKWARD_ID,
      clientSecret: AWKWARD_SECRET,
      authMethod: 'client_secret_basic',
    });
    await m2m.getToken();
    const [request] = t.server.requests;
    const basic = decodeBasic(request?.headers.authorization);
    // Encoded by hand: ":" %3A, "+" %2B, "/" %2F, "%" %25, space "+", "€" %E2%82%AC, "✓" %E2%9C%93.
    expect(basic.raw).toBe('svc%3Aid+%C3%A9:p%3Aa%2Bs%2Fs%25w+o%E2%82%ACrd%E2%9C%93%3D%26');
    expect(basic.id).toBe(AWKWARD_ID);
    expect(basic.secret).toBe(AWKWARD_SECRET);
    expect(request?.form.client_secret).toBeUndefined();
  });

  it('client_secret_basic with a plain secret', async () => {
    await t.client({ authMethod: 'client_secret_basic' }).getToken();
    const basic = decodeBasic(t.server.requests[0]?.headers.authorization);
    expect(basic.raw).toBe(`svc:${SECRET}`);
  });
});

describe('the token request', () => {
  it('POSTs a form to {url}/oauth2/token; a trailing slash on url is harmless', async () => {
    await t.client({ url: `${t.server.url}/` }).getToken();
    await t.client({ url: `${t.server.url}//` }).getToken();
    for (const request of t.server.requests) {
      expect(request.method).toBe('POST');
      expect(request.path).toBe('/oauth2/token');
      expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(request.form.grant_type).toBe('client_credentials');
    }
  });

  it('sends no scope or audience when none are configured', async () => {
    await t.client().getToken();
    expect(t.server.requests[0]?.form).toEqual({
      grant_type: 'client_credentials',
      client_id: 'svc',
      client_secret: SECRET,
    });
  });

  it('sends scope and audience as space-separated sets, and resource (RFC 8707)', async () => {
    const m2m = t.client({
      scopes: ['orders:write', 'users:read'],
      audience: ['https://b.test', 'https://a.test'],
      resource: 'https://api.example.test/orders',
    });
    await m2m.getToken();
    await m2m.getToken({ resource: 'https://other.example.test/' });
    expect(t.server.requests[0]?.form).toMatchObject({
      scope: 'orders:write users:read',
      audience: 'https://a.test https://b.test',
      resource: 'https://api.example.test/orders',
    });
    expect(t.server.requests[1]?.form.resource).toBe('https://other.example.test/');
    expect(t.server.requests).toHaveLength(2);
  });
});
