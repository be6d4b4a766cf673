import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { JWT_BEARER_ASSERTION_TYPE } from '../../src/client/client-assertion.js';
import { M2MClient } from '../../src/index.js';
import { clientFor, type Exchange, recordingFetch } from './recording-fetch.js';
import { schemaProperties } from './spec.js';

// Client-side contract: everything the client puts on the wire passes Prism's request validation
// against openapi/passflow-m2m.yaml. Prism flags a violation with an `sl-violations` header.

const prismUrl = inject('prismUrl');
const TOKEN_FIELDS = schemaProperties('TokenRequest');
const REVOCATION_FIELDS = schemaProperties('RevocationRequest');

/**
 * Asserts that Prism accepted the exchange and that the form names only fields of `allowed`:
 * Prism does not enforce `additionalProperties: false` on form bodies, so that part is checked here.
 */
function expectConforming(exchange: Exchange | undefined, allowed: string[]): URLSearchParams {
  expect(exchange).toBeDefined();
  const { headers, responseHeaders, status, body } = exchange as Exchange;
  expect(responseHeaders['sl-violations'], 'Prism reported request violations').toBeUndefined();
  expect(status).toBe(200);
  expect(headers['content-type']).toBe('application/x-www-form-urlencoded');
  const form = new URLSearchParams(body);
  for (const name of new Set(form.keys())) expect(allowed, `form field ${name}`).toContain(name);
  return form;
}

describe('requests the client sends conform to the spec', () => {
  it('default configuration: client_secret_post, no scope or audience', async () => {
    const wire = recordingFetch();
    await clientFor(wire).getToken();
    expect(wire.exchanges).toHaveLength(1);
    const form = expectConforming(wire.exchanges[0], TOKEN_FIELDS);
    expect(Object.fromEntries(form)).toEqual({
      grant_type: 'client_credentials',
      client_id: 'svc-orders',
      client_secret: 's3cret',
    });
    expect(wire.exchanges[0]?.headers.authorization).toBeUndefined();
  });

  it('scopes, audiences and an RFC 8707 resource', async () => {
    const wire = recordingFetch();
    await clientFor(wire, {
      scopes: ['users:read', 'orders:write'],
      audience: ['https://api.yourapp.com', 'https://billing.yourapp.com'],
      resource: 'https://api.yourapp.com/orders',
    }).getToken();
    const form = expectConforming(wire.exchanges[0], TOKEN_FIELDS);
    expect(form.get('scope')).toBe('orders:write users:read');
    expect(form.get('audience')).toBe('https://api.yourapp.com https://billing.yourapp.com');
    expect(form.get('resource')).toBe('https://api.yourapp.com/orders');
  });

  it('per-call scopes and audience override the defaults', async () => {
    const wire = recordingFetch();
    await clientFor(wire, { scopes: ['users:read'] }).getToken({
      scopes: ['reports:read'],
      audience: ['https://reports.yourapp.com'],
    });
    const form = expectConforming(wire.exchanges[0], TOKEN_FIELDS);
    expect(form.get('scope')).toBe('reports:read');
    expect(form.get('audience')).toBe('https://reports.yourapp.com');
  });

  it('client_secret_basic with a secret full of reserved and non-ASCII characters (RFC 6749 §2.3.1)', async () => {
    const wire = recordingFetch();
    const secret = 'a:b+c/d%e f=ü€';
    await clientFor(wire, {
      clientId: 'svc:orders',
      clientSecret: secret,
      authMethod: 'client_secret_basic',
    }).getToken();
    const exchange = wire.exchanges[0];
    const form = expectConforming(exchange, TOKEN_FIELDS);
    expect(form.has('client_secret')).toBe(false);
    const authorization = exchange?.headers.authorization ?? '';
    expect(authorization).toMatch(/^Basic [A-Za-z0-9+/]+=*$/);
    const decoded = Buffer.from(authorization.slice('Basic '.length), 'base64').toString('latin1');
    const [id, password, ...rest] = decoded.split(':');
    expect(rest).toEqual([]);
    expect(decodeURIComponent((id ?? '').replaceAll('+', ' '))).toBe('svc:orders');
    expect(decodeURIComponent((password ?? '').replaceAll('+', ' '))).toBe(secret);
  });

  it('forceRefresh sends a second, equally valid request', async () => {
    const wire = recordingFetch();
    const m2m = clientFor(wire, { scopes: ['users:read'] });
    await m2m.getToken();
    await m2m.getToken();
    await m2m.getToken({ forceRefresh: true });
    expect(wire.exchanges).toHaveLength(2);
    for (const exchange of wire.exchanges) expectConforming(exchange, TOKEN_FIELDS);
  });

  it.each(['client_secret_post', 'client_secret_basic'] as const)(
    'revokeToken with %s (RFC 7009 §2.1)',
    async (authMethod) => {
      const wire = recordingFetch();
      const m2m = clientFor(wire, { authMethod });
      const token = await m2m.getToken();
      await m2m.revokeToken();
      expect(wire.exchanges.map((e) => e.path)).toEqual(['/oauth2/token', '/oauth2/revoke']);
      const form = expectConforming(wire.exchanges[1], REVOCATION_FIELDS);
      expect(form.get('token')).toBe(token.access_token);
      expect(form.get('token_type_hint')).toBe('access_token');
      expect(form.has('client_secret')).toBe(authMethod === 'client_secret_post');
    },
  );
});

describe('client assertions the client sends conform to the spec (RFC 7523 §2.2)', () => {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });

  it.each([
    ['private_key_jwt', { authMethod: 'private_key_jwt', privateKey, privateKeyId: 'k1' }],
    ['client_secret_jwt', { authMethod: 'client_secret_jwt', clientSecret: 's3cret-for-hmac' }],
  ] as const)('%s: token request and revocation', async (_method, config) => {
    const wire = recordingFetch();
    const m2m = new M2MClient({
      url: inject('prismUrl'),
      clientId: 'svc-orders',
      ...config,
      fetch: wire.fetch,
    });
    await m2m.getToken({ scopes: ['users:read'] });
    await m2m.revokeToken();
    const [token, revocation] = wire.exchanges;
    for (const [exchange, fields] of [
      [token, TOKEN_FIELDS],
      [revocation, REVOCATION_FIELDS],
    ] as const) {
      const form = expectConforming(exchange, fields);
      expect(form.get('client_id')).toBe('svc-orders');
      expect(form.get('client_assertion_type')).toBe(JWT_BEARER_ASSERTION_TYPE);
      expect(form.get('client_assertion')).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
      expect(form.has('client_secret')).toBe(false);
      expect(exchange?.headers.authorization).toBeUndefined();
    }
  });
});

describe('the validation check can fail', () => {
  async function rawTokenRequest(body: string, contentType: string): Promise<Response> {
    return fetch(`${prismUrl}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body,
    });
  }

  it('flags a grant the spec does not allow', async () => {
    const response = await rawTokenRequest(
      'grant_type=password&client_id=svc-orders&client_secret=s3cret',
      'application/x-www-form-urlencoded',
    );
    await response.body?.cancel();
    expect(response.status).toBe(400);
    expect(response.headers.get('sl-violations')).toContain('grant_type');
  });

  it('flags a JSON body', async () => {
    const response = await rawTokenRequest(
      JSON.stringify({ grant_type: 'client_credentials', client_id: 'svc-orders', client_secret: 's3cret' }),
      'application/json',
    );
    await response.body?.cancel();
    expect(response.headers.get('sl-violations')).toContain('application/x-www-form-urlencoded');
  });

  describe('client assertions (RFC 7523 §2.2)', () => {
    const TYPE = `client_assertion_type=${encodeURIComponent(JWT_BEARER_ASSERTION_TYPE)}`;
    const JWT = 'eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJzdmMtb3JkZXJzIn0.c2lnbmF0dXJl';
    const violations = async (path: string, body: string) => {
      const response = await fetch(`${prismUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
      await response.body?.cancel();
      return response.headers.get('sl-violations');
    };

    it.each(['/oauth2/token', '/oauth2/revoke'])('%s accepts an assertion with its type', async (path) => {
      const base = path === '/oauth2/token' ? 'grant_type=client_credentials' : 'token=abc';
      expect(
        await violations(path, `${base}&client_id=svc-orders&${TYPE}&client_assertion=${JWT}`),
      ).toBeNull();
    });

    it.each([
      ['an assertion without its type', `client_assertion=${JWT}`, 'client_assertion_type'],
      ['a type without an assertion', TYPE, "'client_assertion'"],
      [
        'another assertion type',
        `client_assertion_type=saml2&client_assertion=${JWT}`,
        'client_assertion_type',
      ],
      ['an assertion that is not a JWT', `${TYPE}&client_assertion=not-a-jwt`, 'client_assertion'],
      [
        'an assertion and a client secret',
        `${TYPE}&client_assertion=${JWT}&client_secret=s3cret`,
        'client_secret',
      ],
    ])('flags %s', async (_name, fields, named) => {
      for (const [path, base] of [
        ['/oauth2/token', 'grant_type=client_credentials'],
        ['/oauth2/revoke', 'token=abc'],
      ]) {
        expect(await violations(path as string, `${base}&client_id=svc-orders&${fields}`)).toContain(named);
      }
    });
  });

  it('flags a resource that is not an absolute URI', async () => {
    const response = await rawTokenRequest(
      'grant_type=client_credentials&client_id=svc-orders&client_secret=s3cret&resource=orders',
      'application/x-www-form-urlencoded',
    );
    await response.body?.cancel();
    expect(response.headers.get('sl-violations')).toContain('resource');
  });
});
