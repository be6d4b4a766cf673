// DPoP (RFC 9449) and m2m.fetch() end to end: oidc-provider binds tokens to the client's key, with and
// without its nonce, and a resource server on loopback checks every token and proof m2m.fetch() sends.

import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { M2MClient, type M2MClientConfig, type M2MTokenResponse } from '../../src/index.js';
import { createRedisTokenCache } from '../../src/redis/index.js';
import { createM2MTokenVerifier, requireM2MToken } from '../../src/verify/index.js';
import { OIDC_RESOURCE, type OidcProviderServer, startOidcProvider } from '../support/oidc-provider.js';
import { startRedis } from '../support/redis.js';
import { type ResourceServer, startResourceServer } from '../support/resource-server.js';

const CLIENT = {
  client_id: 'dpop-client',
  client_secret: 'dpop-secret-0123456789',
  token_endpoint_auth_method: 'client_secret_post',
  scope: 'users:read orders:read',
} as const;

let provider: OidcProviderServer;
const servers: ResourceServer[] = [];

beforeAll(async () => {
  provider = await startOidcProvider({ clients: [CLIENT], dpop: { requireNonce: false } });
});
afterAll(() => provider.close());
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

function configFor(config: Partial<M2MClientConfig>): M2MClientConfig {
  return {
    url: provider.issuer,
    clientId: CLIENT.client_id,
    clientSecret: CLIENT.client_secret,
    scopes: ['users:read'],
    dpop: true,
    retries: 0,
    ...config,
  };
}

function client(config: Partial<M2MClientConfig> = {}): M2MClient {
  return new M2MClient(configFor(config));
}

async function resourceServer(options: Parameters<typeof startResourceServer>[0] = {}) {
  const server = await startResourceServer({ issuerKeys: provider.publicKeys, ...options });
  servers.push(server);
  return server;
}

/** Token endpoint requests the provider answered since `from`, as their statuses. */
function tokenStatuses(from: number): number[] {
  return provider.requests
    .slice(from)
    .filter((request) => request.path === '/oauth2/token')
    .map((request) => request.status);
}

/** The RFC 7638 thumbprint of the key in the last proof the provider received. */
async function lastProofThumbprint(): Promise<string> {
  const proof = provider.requests.findLast((request) => request.headers.dpop)?.headers.dpop;
  return calculateJwkThumbprint(decodeProtectedHeader(String(proof)).jwk ?? {});
}

describe('token requests with a DPoP proof', () => {
  it('gets a DPoP token whose cnf.jkt is the thumbprint of the generated key', async () => {
    const responses: M2MTokenResponse[] = [];
    const m2m = client({ onTokenResponse: (response) => responses.push(response) });
    const token = await m2m.getToken();
    expect(token.token_type).toBe('DPoP');
    const claims = decodeJwt(token.access_token);
    expect(claims.cnf).toEqual({ jkt: await lastProofThumbprint() });
    expect(responses.map((response) => response.token_type)).toEqual(['DPoP']);
  });

  it('a key of the caller: cnf.jkt is its thumbprint', async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    const m2m = client({ dpop: { privateKey: await exportJWK(pair.privateKey) } });
    const token = await m2m.getToken();
    expect(decodeJwt(token.access_token).cnf).toEqual({
      jkt: await calculateJwkThumbprint(await exportJWK(pair.publicKey)),
    });
  });

  it("answers the provider's use_dpop_nonce once, inside one attempt, and sends its nonce from then on", async () => {
    await provider.reconfigure({ dpop: { requireNonce: true } });
    try {
      const attempts: number[] = [];
      const m2m = client({ onTokenRequest: ({ attempt }) => attempts.push(attempt) });
      const from = provider.requests.length;
      const token = await m2m.getToken();
      expect(token.token_type).toBe('DPoP');
      expect(tokenStatuses(from)).toEqual([400, 200]);
      const proofs = provider.requests.slice(from).map((request) => decodeJwt(String(request.headers.dpop)));
      expect(proofs[0]?.nonce).toBeUndefined();
      expect(typeof proofs[1]?.nonce).toBe('string');
      expect(attempts).toEqual([1]);

      const next = provider.requests.length;
      await m2m.getToken({ forceRefresh: true });
      expect(tokenStatuses(next)).toEqual([200]);
      expect(typeof decodeJwt(String(provider.requests.at(-1)?.headers.dpop)).nonce).toBe('string');
    } finally {
      await provider.reconfigure({ dpop: { requireNonce: false } });
    }
  });
});

describe('DPoP beside a client assertion', () => {
  it('private_key_jwt and a required nonce: a fresh assertion and a fresh proof in the answer to the challenge', async () => {
    const clientKey = await generateKeyPair('ES256', { extractable: true });
    const assertionClient = {
      client_id: 'assertion-client',
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [{ ...(await exportJWK(clientKey.publicKey)), kid: 'c1' }] },
    } as const;
    await provider.reconfigure({ clients: [CLIENT, assertionClient], dpop: { requireNonce: true } });
    try {
      const from = provider.requests.length;
      const { clientSecret: _secret, ...withoutSecret } = configFor({});
      const m2m = new M2MClient({
        ...withoutSecret,
        clientId: 'assertion-client',
        authMethod: 'private_key_jwt',
        privateKey: clientKey.privateKey,
        privateKeyId: 'c1',
      });
      const token = await m2m.getToken();
      expect(token.token_type).toBe('DPoP');
      expect(tokenStatuses(from)).toEqual([400, 200]);
      expect(decodeJwt(token.access_token).cnf).toEqual({ jkt: await lastProofThumbprint() });
    } finally {
      await provider.reconfigure({ clients: [CLIENT], dpop: { requireNonce: false } });
    }
  });
});

describe('m2m.fetch() and a resource server that checks proofs', () => {
  it('is accepted; a replay of one of its proofs is refused', async () => {
    const api = await resourceServer();
    const m2m = client();
    const response = await m2m.fetch(`${api.url}/users?page=2`, { headers: { 'x-request-id': 'r1' } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, method: 'GET', path: '/users' });
    const [seen] = api.requests;
    expect(seen?.headers['x-request-id']).toBe('r1');
    expect(String(seen?.headers.authorization)).toMatch(/^DPoP /);

    const replay = await fetch(`${api.url}/users?page=2`, {
      headers: { authorization: String(seen?.headers.authorization), dpop: String(seen?.headers.dpop) },
    });
    expect(replay.status).toBe(401);
    expect(replay.headers.get('www-authenticate')).toBe('DPoP error="invalid_dpop_proof"');
    expect(api.requests.at(-1)?.refused).toBe('proof replayed');
  });

  it("answers the resource server's nonce challenge once, and sends its nonce from then on", async () => {
    const api = await resourceServer({ requireNonce: true });
    const m2m = client();
    const response = await m2m.fetch(`${api.url}/orders`, { method: 'POST', body: '{"sku":"a"}' });
    expect(response.status).toBe(200);
    expect(api.requests.map((request) => [request.status, request.body])).toEqual([
      [401, '{"sku":"a"}'],
      [200, '{"sku":"a"}'],
    ]);
    expect(api.requests[0]?.refused).toBe('nonce');
    expect((await m2m.fetch(`${api.url}/orders`)).status).toBe(200);
    expect(api.requests).toHaveLength(3);
  });

  it('after invalid_token, one new token for all concurrent callers, each request resent once', async () => {
    const api = await resourceServer();
    const m2m = client();
    const old = await m2m.getToken();
    api.revoke(old.access_token);
    const from = provider.requests.length;
    const responses = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        m2m.fetch(`${api.url}/items/${i}`, { method: 'PUT', body: `${i}` }),
      ),
    );
    expect(responses.map((response) => response.status)).toEqual(Array(8).fill(200));
    expect(tokenStatuses(from)).toEqual([200]);
    expect(api.requests.filter((request) => request.status === 401)).toHaveLength(8);
    const fresh = await m2m.getToken();
    expect(fresh.access_token).not.toBe(old.access_token);
  });

  it('a stream body is not resent: the 401 comes back; a 403 is not retried', async () => {
    const api = await resourceServer({
      answer: ({ path }) =>
        path === '/forbidden' ? { status: 403, body: { error: 'forbidden' } } : { body: 'ok' },
    });
    const m2m = client();
    api.revoke((await m2m.getToken()).access_token);
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('once'));
        controller.close();
      },
    });
    const refused = await m2m.fetch(`${api.url}/upload`, {
      method: 'POST',
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(refused.status).toBe(401);
    expect(api.requests).toHaveLength(1);

    const fresh = client();
    const forbidden = await fresh.fetch(`${api.url}/forbidden`);
    expect(forbidden.status).toBe(403);
    expect(api.requests.map((request) => request.status)).toEqual([401, 403]);
  });

  it('is accepted by @passflow/core/verify, which refuses a replay of its proof', async () => {
    const guard = requireM2MToken(createM2MTokenVerifier({ url: provider.issuer, audience: OIDC_RESOURCE }));
    const seen: Array<{ status: number; headers: IncomingHttpHeaders; www?: string }> = [];
    const api = createServer((req, res) => {
      res.on('finish', () =>
        seen.push({
          status: res.statusCode,
          headers: req.headers,
          www: String(res.getHeader('www-authenticate')),
        }),
      );
      guard(req, res, () =>
        res.end(JSON.stringify({ caller: (req as { m2m?: { client_id: string } }).m2m?.client_id })),
      );
    });
    await new Promise<void>((done) => api.listen(0, '127.0.0.1', done));
    try {
      const url = `http://127.0.0.1:${(api.address() as AddressInfo).port}/reports?month=5`;
      const response = await client().fetch(url);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ caller: CLIENT.client_id });
      const { authorization, dpop } = seen[0]?.headers ?? {};
      expect(String(authorization)).toMatch(/^DPoP /);
      const replay = await fetch(url, {
        headers: { authorization: String(authorization), dpop: String(dpop) },
      });
      expect(replay.status).toBe(401);
      expect(seen[1]?.www).toMatch(/^DPoP error="invalid_dpop_proof"/);
    } finally {
      api.closeAllConnections();
      await new Promise<void>((done) => api.close(() => done()));
    }
  });

  it('authorizationHeaders() gives what another HTTP client sends', async () => {
    const api = await resourceServer();
    const m2m = client();
    const url = `${api.url}/reports?month=5`;
    const headers = await m2m.authorizationHeaders('get', url);
    expect(headers.authorization).toMatch(/^DPoP /);
    const response = await fetch(url, {
      headers: { authorization: headers.authorization, dpop: String(headers.dpop) },
    });
    expect(response.status).toBe(200);
  });
});

describe('a server without DPoP, and shared caches', () => {
  it('a Bearer answer to a DPoP request: used as a bearer token, and onTokenResponse says Bearer', async () => {
    const plain = await startOidcProvider({ clients: [CLIENT] });
    try {
      const responses: string[] = [];
      const m2m = client({
        url: plain.issuer,
        onTokenResponse: (response) => responses.push(response.token_type),
      });
      const api = await startResourceServer({ issuerKeys: plain.publicKeys });
      servers.push(api);
      expect((await m2m.fetch(`${api.url}/users`)).status).toBe(200);
      expect(responses).toEqual(['Bearer']);
      expect(String(api.requests[0]?.headers.authorization)).toMatch(/^Bearer /);
      expect(api.requests[0]?.headers.dpop).toBeUndefined();
    } finally {
      await plain.close();
    }
  });

  it('replicas share a DPoP token through Redis only when they hold the same key', async () => {
    const redisServer = await startRedis();
    const redis = new Redis({ host: '127.0.0.1', port: redisServer.port });
    try {
      const cache = createRedisTokenCache(redis, { prefix: 'dpop-test:' });
      const pair = await generateKeyPair('ES256', { extractable: true });
      const shared = { privateKey: await exportJWK(pair.privateKey) };
      const from = provider.requests.length;
      const one = await client({ cache, dpop: shared }).getToken();
      const two = await client({ cache, dpop: shared }).getToken();
      expect(two.access_token).toBe(one.access_token);
      expect(tokenStatuses(from)).toEqual([200]);

      const other = await client({ cache, dpop: true }).getToken();
      expect(other.access_token).not.toBe(one.access_token);
      expect(tokenStatuses(from)).toEqual([200, 200]);
      const tokenKeys = (await redis.keys('dpop-test:*')).filter((key) => !key.endsWith(':lock'));
      expect(tokenKeys).toHaveLength(2);
    } finally {
      redis.disconnect();
      await redisServer.close();
    }
  });
});

describe('m2m.fetch() with bearer tokens', () => {
  let plain: OidcProviderServer;
  beforeAll(async () => {
    plain = await startOidcProvider({ clients: [CLIENT] });
  });
  afterAll(() => plain.close());
  const bearerClient = (config: Partial<M2MClientConfig> = {}) => {
    const { dpop: _dpop, ...withoutDpop } = configFor({ url: plain.issuer, ...config });
    return new M2MClient(withoutDpop);
  };

  it("sends the caller's headers and body unchanged, through the client's fetch option", async () => {
    const api = await startResourceServer({
      issuerKeys: plain.publicKeys,
      answer: (request) => ({ body: { got: request.body, type: request.headers['content-type'] } }),
    });
    servers.push(api);
    const seen: string[] = [];
    const m2m = bearerClient({
      fetch: (input, init) => {
        seen.push(input instanceof Request ? input.url : String(input));
        return fetch(input, init);
      },
    });
    const form = new FormData();
    form.set('note', 'hello');
    const response = await m2m.fetch(`${api.url}/notes`, {
      method: 'POST',
      body: form,
      headers: { 'x-a': 'b' },
    });
    const echoed = (await response.json()) as { got: string; type: string };
    expect(echoed.got).toContain('name="note"\r\n\r\nhello');
    expect(echoed.type).toMatch(/^multipart\/form-data; boundary=/);
    expect(api.requests[0]?.headers['x-a']).toBe('b');
    expect(String(api.requests[0]?.headers.authorization)).toMatch(/^Bearer ey/);
    expect(seen).toEqual([`${plain.issuer}/oauth2/token`, `${api.url}/notes`]);
  });

  it('a revoked token: one refresh, the request resent, its Blob body again', async () => {
    const api = await startResourceServer({
      issuerKeys: plain.publicKeys,
      answer: (request) => ({ body: request.body }),
    });
    servers.push(api);
    const m2m = bearerClient();
    api.revoke((await m2m.getToken()).access_token);
    const response = await m2m.fetch(`${api.url}/blob`, { method: 'PUT', body: new Blob(['payload']) });
    expect(response.status).toBe(200);
    expect(await response.json()).toBe('payload');
    expect(api.requests.map((request) => [request.status, request.body])).toEqual([
      [401, 'payload'],
      [200, 'payload'],
    ]);
  });

  it('honours init.signal', async () => {
    const api = await startResourceServer({ issuerKeys: plain.publicKeys });
    servers.push(api);
    const m2m = bearerClient();
    const controller = new AbortController();
    controller.abort();
    await expect(m2m.fetch(`${api.url}/x`, { signal: controller.signal })).rejects.toMatchObject({
      name: 'M2MError',
      code: 'temporarily_unavailable',
      message: 'Token request was aborted by the caller',
    });
    await m2m.getToken();
    await expect(m2m.fetch(`${api.url}/x`, { signal: controller.signal })).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect(api.requests).toHaveLength(0);
  });
});
