// requireM2MToken() in front of a plain node:http server and an Express app on loopback, with tokens
// from oidc-provider.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createM2MTokenVerifier,
  type M2MMiddlewareRequest,
  type M2MTokenVerifier,
  requireM2MToken,
} from '../../src/verify/index.js';
import { OIDC_RESOURCE, type OidcProviderServer } from '../support/oidc-provider.js';
import { DEFAULT_ALGS, dpopKey, dpopProof, providerToken, startProviderFor } from './helpers.js';

const CLIENT = { id: 'reports-job', secret: 'reports-secret-0123456789' };
let provider: OidcProviderServer;
let verifier: M2MTokenVerifier;

beforeAll(async () => {
  provider = await startProviderFor(CLIENT, 'reports:read reports:write', {
    scopes: ['reports:read', 'reports:write'],
    dpop: {},
  });
  verifier = createM2MTokenVerifier({ url: provider.issuer, audience: OIDC_RESOURCE });
});
afterAll(() => provider.close());

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

describe('plain node:http', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    const guard = requireM2MToken(verifier, { scopes: ['reports:read'] });
    server = createServer((req, res) => {
      guard(req, res, (error) => {
        if (error) {
          res.statusCode = 500;
          res.end('unexpected');
          return;
        }
        const { m2m } = req as M2MMiddlewareRequest;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ caller: m2m?.client_id, scopes: m2m?.scopes }));
      });
    });
    url = await listen(server);
  });
  afterAll(() => close(server));

  it('lets a valid token through with its claims on req.m2m', async () => {
    const token = await providerToken(provider, CLIENT, 'reports:read');
    const response = await fetch(`${url}/reports`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ caller: CLIENT.id, scopes: ['reports:read'] });
  });

  it('401 with a bare challenge when there is no token', async () => {
    const response = await fetch(`${url}/reports`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(`Bearer, DPoP algs="${DEFAULT_ALGS}"`);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toEqual({
      error: 'invalid_token',
      error_description: 'the request carries no access token',
    });
  });

  it('401 invalid_token for a token that does not verify', async () => {
    const token = await providerToken(provider, CLIENT, 'reports:read');
    const response = await fetch(`${url}/reports`, { headers: { authorization: `Bearer ${token}x` } });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(
      'Bearer error="invalid_token", error_description="the token signature is invalid"',
    );
  });

  it('400 invalid_request for a malformed Authorization header', async () => {
    const response = await fetch(`${url}/reports`, { headers: { authorization: 'Bearer a b' } });
    expect(response.status).toBe(400);
    expect((await response.json()).error).toBe('invalid_request');
  });

  it('403 with the scopes the route needs', async () => {
    const token = await providerToken(provider, CLIENT, 'reports:write');
    const response = await fetch(`${url}/reports`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toBe(
      'Bearer error="insufficient_scope", error_description="the token does not grant reports:read", scope="reports:read"',
    );
  });

  it('503 without a challenge while the JWKS endpoint is down', async () => {
    const fresh = createM2MTokenVerifier({ url: provider.issuer, audience: OIDC_RESOURCE });
    const guarded = createServer((req, res) => requireM2MToken(fresh)(req, res, () => res.end('through')));
    const guardedUrl = await listen(guarded);
    provider.setJwksAvailable(false);
    try {
      const token = await providerToken(provider, CLIENT, 'reports:read');
      const response = await fetch(guardedUrl, { headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(503);
      expect(response.headers.get('www-authenticate')).toBeNull();
      expect((await response.json()).error).toBe('temporarily_unavailable');
    } finally {
      provider.setJwksAvailable(true);
      await close(guarded);
    }
  });

  it('a DPoP-bound token: the proof names the URL from the Host header', async () => {
    const key = await dpopKey();
    const token = await providerToken(provider, CLIENT, 'reports:read', key);
    const proof = (htu: string) => dpopProof(key, { htm: 'GET', htu, accessToken: token });
    const ok = await fetch(`${url}/reports?day=1`, {
      headers: { authorization: `DPoP ${token}`, dpop: await proof(`${url}/reports`) },
    });
    expect(ok.status).toBe(200);
    const wrong = await fetch(`${url}/reports`, {
      headers: { authorization: `DPoP ${token}`, dpop: await proof('https://api.example.test/reports') },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/^DPoP error="invalid_dpop_proof"/);
  });
});

describe('Express', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    const app = express();
    const reports = express.Router();
    reports.get(
      '/latest',
      requireM2MToken(verifier, { scopes: ['reports:read'], origin: 'https://reports.yourapp.com' }),
      (req, res) => {
        res.json({ caller: (req as M2MMiddlewareRequest).m2m?.client_id });
      },
    );
    app.use('/reports', reports);
    const failing = { verify: verifier.verify, verifyRequest: () => Promise.reject(new Error('boom')) };
    app.get('/broken', requireM2MToken(failing as M2MTokenVerifier), (_req, res) => {
      res.send('not reached');
    });
    app.use((error: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      res.status(500).send(`error handler: ${error.message}`);
    });
    server = createServer(app);
    url = await listen(server);
  });
  afterAll(() => close(server));

  it('guards a route of a mounted router; a DPoP proof names the origin and the full path', async () => {
    const key = await dpopKey();
    const token = await providerToken(provider, CLIENT, 'reports:read', key);
    const response = await fetch(`${url}/reports/latest`, {
      headers: {
        authorization: `DPoP ${token}`,
        dpop: await dpopProof(key, {
          htm: 'GET',
          htu: 'https://reports.yourapp.com/reports/latest',
          accessToken: token,
        }),
      },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ caller: CLIENT.id });
    const bearer = await providerToken(provider, CLIENT, 'reports:read');
    const viaBearer = await fetch(`${url}/reports/latest`, {
      headers: { authorization: `Bearer ${bearer}` },
    });
    expect(await viaBearer.json()).toEqual({ caller: CLIENT.id });
  });

  it('answers 401 itself for a request without a token', async () => {
    const response = await fetch(`${url}/reports/latest`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer, DPoP algs=/);
  });

  it('hands an unexpected error to next(error)', async () => {
    const response = await fetch(`${url}/broken`, { headers: { authorization: 'Bearer abc' } });
    expect(response.status).toBe(500);
    expect(await response.text()).toBe('error handler: boom');
  });

  it('refuses an origin that is not one', () => {
    for (const origin of [
      'reports.yourapp.com',
      'https://reports.yourapp.com/base',
      'ftp://reports.yourapp.com',
    ]) {
      expect(() => requireM2MToken(verifier, { origin })).toThrow(
        /requireM2MToken: origin must be an http\(s\) origin/,
      );
    }
  });
});
