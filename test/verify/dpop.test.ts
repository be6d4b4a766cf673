// DPoP-bound tokens (RFC 9449) from oidc-provider, presented to verifyRequest() as a Fetch Request
// and as a Node IncomingMessage on a real loopback server.
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { calculateJwkThumbprint, exportJWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createM2MTokenVerifier, type M2MTokenVerifier } from '../../src/verify/index.js';
import { OIDC_RESOURCE, type OidcProviderServer } from '../support/oidc-provider.js';
import {
  DEFAULT_ALGS,
  type DPoPKey,
  dpopKey,
  dpopProof,
  providerToken,
  refusalOf,
  sha256,
  startProviderFor,
} from './helpers.js';

const CLIENT = { id: 'dpop-client', secret: 'dpop-secret-0123456789' };
const API_URL = 'https://api.example.test/orders';

let server: OidcProviderServer;
let verifier: M2MTokenVerifier;
let key: DPoPKey;
let bound: string;

beforeAll(async () => {
  server = await startProviderFor(CLIENT, 'orders:read orders:write', { dpop: {} });
  verifier = createM2MTokenVerifier({ url: server.issuer, audience: OIDC_RESOURCE });
  key = await dpopKey();
  bound = await providerToken(server, CLIENT, 'orders:read', key);
});
afterAll(() => server.close());

function dpopRequest(
  proof: string | string[] | undefined,
  init: { url?: string; method?: string; token?: string } = {},
) {
  const headers = new Headers({ authorization: `DPoP ${init.token ?? bound}` });
  for (const value of [proof ?? []].flat()) headers.append('dpop', value);
  return new Request(init.url ?? `${API_URL}?page=2#top`, { method: init.method ?? 'GET', headers });
}

const proofFor = (claims: Partial<Parameters<typeof dpopProof>[1]> = {}, header = {}, signer = key) =>
  dpopProof(signer, { htm: 'GET', htu: API_URL, accessToken: bound, ...claims }, header);

describe('a DPoP-bound token with its proof', () => {
  it('verifies; htu is compared without query and fragment', async () => {
    const claims = await verifier.verifyRequest(dpopRequest(await proofFor()));
    expect(claims.cnf).toEqual({ jkt: await calculateJwkThumbprint(key.publicJwk, 'sha256') });
    expect(claims).toMatchObject({ client_id: CLIENT.id, scopes: ['orders:read'] });
  });

  it('accepts the scheme name in any case, and a proof for the URL given in options', async () => {
    const request = new Request('http://10.0.0.7:8080/orders', {
      headers: { authorization: `dpop ${bound}`, dpop: await proofFor() },
    });
    await expect(verifier.verifyRequest(request, { url: API_URL })).resolves.toMatchObject({
      client_id: CLIENT.id,
    });
  });

  it('checks scopes after the proof', async () => {
    const error = await refusalOf(
      verifier.verifyRequest(dpopRequest(await proofFor()), { scopes: ['orders:write'] }),
    );
    expect(error.code).toBe('insufficient_scope');
    expect(error.wwwAuthenticate).toBe(
      `DPoP error="insufficient_scope", error_description="the token does not grant orders:write", scope="orders:write", algs="${DEFAULT_ALGS}"`,
    );
  });
});

describe('refused', () => {
  async function expectProofRefused(request: Request, description: string): Promise<void> {
    const error = await refusalOf(verifier.verifyRequest(request));
    expect(error).toMatchObject({
      code: 'invalid_dpop_proof',
      status: 401,
      message: `the DPoP proof ${description}`,
    });
    expect(error.wwwAuthenticate).toBe(
      `DPoP error="invalid_dpop_proof", error_description="the DPoP proof ${description.replace(/"/g, "'")}", algs="${DEFAULT_ALGS}"`,
    );
  }

  it('a replayed proof (jti seen within the window)', async () => {
    const proof = await proofFor();
    await verifier.verifyRequest(dpopRequest(proof));
    await expectProofRefused(dpopRequest(proof), 'was used before (jti)');
  });

  it('the bound token as a Bearer token, to verifyRequest and to verify', async () => {
    const request = new Request(API_URL, {
      headers: { authorization: `Bearer ${bound}`, dpop: await proofFor() },
    });
    const viaRequest = await refusalOf(verifier.verifyRequest(request));
    const viaVerify = await refusalOf(verifier.verify(bound));
    for (const error of [viaRequest, viaVerify]) {
      expect(error).toMatchObject({
        code: 'invalid_token',
        message: 'the token is bound to a key (cnf): present it with the DPoP scheme and a proof',
      });
      expect(error.wwwAuthenticate).toMatch(/^Bearer error="invalid_token"/);
    }
  });

  it('no proof', async () => {
    const error = await refusalOf(verifier.verifyRequest(dpopRequest(undefined)));
    expect(error).toMatchObject({ code: 'invalid_dpop_proof', message: 'the request carries no DPoP proof' });
  });

  it('two DPoP headers', async () => {
    const error = await refusalOf(verifier.verifyRequest(dpopRequest([await proofFor(), await proofFor()])));
    expect(error).toMatchObject({ code: 'invalid_dpop_proof' });
    expect(error.message).toBe('the request must carry one DPoP header holding one proof');
  });

  it('a proof for another method (htm)', async () => {
    await expectProofRefused(dpopRequest(await proofFor({ htm: 'POST' })), 'is for POST, not GET');
  });

  it('a proof for another URL (htu): path, host or scheme', async () => {
    for (const htu of [
      'https://api.example.test/orders/1',
      'https://other.example.test/orders',
      'http://api.example.test/orders',
    ]) {
      await expectProofRefused(dpopRequest(await proofFor({ htu })), 'is for another URL (htu)');
    }
  });

  it('a proof older than 60 s plus the tolerance, or issued in the future', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectProofRefused(dpopRequest(await proofFor({ iat: now - 95 })), 'is too old (iat)');
    await expectProofRefused(dpopRequest(await proofFor({ iat: now + 35 })), 'is issued in the future (iat)');
    await expect(
      verifier.verifyRequest(dpopRequest(await proofFor({ iat: now - 85 }))),
    ).resolves.toBeDefined();
  });

  it('a proof for another access token (ath), or without ath', async () => {
    await expectProofRefused(
      dpopRequest(await proofFor({ accessToken: `${bound}x` })),
      'is not bound to this access token (ath)',
    );
    const noAth = await dpopProof(key, { htm: 'GET', htu: API_URL });
    await expectProofRefused(dpopRequest(noAth), 'has no ath claim');
  });

  it("a proof signed with another key than the token's (cnf.jkt)", async () => {
    const other = await dpopKey();
    await expectProofRefused(
      dpopRequest(await proofFor({}, {}, other)),
      "is not signed with the token's key (cnf.jkt)",
    );
  });

  it('a proof whose jwk carries the private key', async () => {
    const privateJwk = await exportJWK(key.privateKey);
    await expectProofRefused(
      dpopRequest(await proofFor({}, { jwk: privateJwk })),
      'carries a private key (jwk)',
    );
    await expectProofRefused(
      dpopRequest(await proofFor({}, { jwk: { ...key.publicJwk, k: 'c2VjcmV0' } })),
      'carries a private key (jwk)',
    );
  });

  it('a proof that is not typ dpop+jwt', async () => {
    await expectProofRefused(
      dpopRequest(await proofFor({}, { typ: 'JWT' })),
      'is not a DPoP proof (typ must be dpop+jwt)',
    );
  });

  it('a proof with a symmetric algorithm', async () => {
    const proof = await new SignJWT({
      htm: 'GET',
      htu: API_URL,
      jti: 'x1',
      iat: Math.floor(Date.now() / 1000),
      ath: await sha256(bound),
    })
      .setProtectedHeader({ typ: 'dpop+jwt', alg: 'HS256', jwk: key.publicJwk })
      .sign(new TextEncoder().encode('a-secret-of-at-least-32-bytes-long!!'));
    await expectProofRefused(dpopRequest(proof), 'uses an algorithm that is not accepted');
  });

  it('a Bearer (unbound) token under the DPoP scheme', async () => {
    const bearer = await providerToken(server, CLIENT, 'orders:read');
    const request = dpopRequest(await proofFor({ accessToken: bearer }), { token: bearer });
    const error = await refusalOf(verifier.verifyRequest(request));
    expect(error).toMatchObject({ code: 'invalid_token', message: 'the token is not DPoP-bound (cnf.jkt)' });
  });
});

describe('reading the request', () => {
  it('no Authorization, or another scheme: 401 with a bare challenge for both schemes', async () => {
    for (const headers of [{}, { authorization: 'Basic dXNlcjpwYXNz' }]) {
      const error = await refusalOf(verifier.verifyRequest(new Request(API_URL, { headers })));
      expect(error).toMatchObject({
        code: 'invalid_token',
        status: 401,
        message: 'the request carries no access token',
      });
      expect(error.wwwAuthenticate).toBe(`Bearer, DPoP algs="${DEFAULT_ALGS}"`);
    }
  });

  it('a malformed Authorization header: 400 invalid_request', async () => {
    for (const authorization of ['Bearer', 'Bearer a b', 'Bearer a,b', 'DPoP']) {
      const error = await refusalOf(
        verifier.verifyRequest(new Request(API_URL, { headers: { authorization } })),
      );
      expect(error).toMatchObject({ code: 'invalid_request', status: 400 });
    }
  });

  it('a Node request needs the URL the service was reached at', async () => {
    const nodeRequest = { method: 'GET', url: '/orders', headers: { authorization: `DPoP ${bound}` } };
    // @ts-expect-error: the types require options.url for a Node request
    await expect(verifier.verifyRequest(nodeRequest)).rejects.toThrow(TypeError);
  });
});

describe('a Node IncomingMessage on a real loopback server', () => {
  let api: Server;
  let apiUrl: string;
  beforeAll(async () => {
    api = createServer((req: IncomingMessage, res) => {
      verifier.verifyRequest(req, { url: `https://api.example.test${req.url}` }).then(
        (claims) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(claims)),
        (error: { status: number; code: string; wwwAuthenticate?: string }) =>
          res.writeHead(error.status, { 'www-authenticate': error.wwwAuthenticate ?? '' }).end(error.code),
      );
    });
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => api.close(() => resolve())));

  it('verifies the token and its proof from the headers Node parsed', async () => {
    const response = await fetch(`${apiUrl}/orders?page=2`, {
      method: 'POST',
      headers: { authorization: `DPoP ${bound}`, dpop: await proofFor({ htm: 'POST' }) },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ client_id: CLIENT.id, scopes: ['orders:read'] });
  });

  it('refuses a proof for another method with a DPoP challenge', async () => {
    const response = await fetch(`${apiUrl}/orders`, {
      method: 'DELETE',
      headers: { authorization: `DPoP ${bound}`, dpop: await proofFor({ htm: 'POST' }) },
    });
    expect(response.status).toBe(401);
    expect(await response.text()).toBe('invalid_dpop_proof');
    expect(response.headers.get('www-authenticate')).toMatch(
      /^DPoP error="invalid_dpop_proof", error_description="the DPoP proof is for POST, not DELETE"/,
    );
  });

  it('refuses two DPoP headers, which Node joins', async () => {
    const proof = await proofFor();
    const answer = await new Promise<string>((resolve, reject) => {
      const req = httpRequest(`${apiUrl}/orders`, {
        // Raw headers, so that the field is sent twice; HTTP/1.1 needs the Host then too.
        headers: [
          ['host', new URL(apiUrl).host],
          ['authorization', `DPoP ${bound}`],
          ['dpop', proof],
          ['dpop', proof],
        ].flat(),
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (chunk) => {
          body += chunk;
        });
        res.on('end', () => resolve(`${res.statusCode} ${body}`));
      });
      req.on('error', reject);
      req.end();
    });
    expect(answer).toBe('401 invalid_dpop_proof');
  });
});

describe('proof window with a fake clock', () => {
  it('a proof is remembered only within its window', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const local = createM2MTokenVerifier({
        url: server.issuer,
        audience: OIDC_RESOURCE,
        dpop: { maxProofAge: 5 },
      });
      const proof = await proofFor();
      await local.verifyRequest(dpopRequest(proof));
      expect((await refusalOf(local.verifyRequest(dpopRequest(proof)))).message).toBe(
        'the DPoP proof was used before (jti)',
      );
      vi.setSystemTime(Date.now() + 36_000);
      expect((await refusalOf(local.verifyRequest(dpopRequest(proof)))).message).toBe(
        'the DPoP proof is too old (iat)',
      );
    } finally {
      vi.useRealTimers();
    }
  });
});
