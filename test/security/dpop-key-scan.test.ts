// The DPoP private key never shows: not in proofs, errors, hook payloads, shared-cache keys or values,
// headers handed out, or util.inspect of the client. Every path is driven with a key whose private
// member is known, and everything observable is searched for it.
import { inspect } from 'node:util';
import { exportJWK, exportPKCS8, generateKeyPair, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { M2MClient, type M2MTokenCache } from '../../src/index.js';
import { startTokenServer, type TokenServer, tokenBody } from '../support/token-server.js';

let server: TokenServer;
let privateJwk: JWK;
let pkcs8: string;

beforeAll(async () => {
  server = await startTokenServer();
  const pair = await generateKeyPair('ES256', { extractable: true });
  privateJwk = await exportJWK(pair.privateKey);
  pkcs8 = await exportPKCS8(pair.privateKey);
});
afterAll(() => server.close());

describe('the DPoP private key', () => {
  it('appears nowhere a caller, a log or a cache can see', async () => {
    const seen: unknown[] = [];
    const cache: M2MTokenCache = {
      get: async (key) => {
        seen.push(key);
        return null;
      },
      set: async (key, token, ttl) => {
        seen.push(key, token, ttl);
      },
      delete: async (key) => {
        seen.push(key);
      },
    };
    const m2m = new M2MClient({
      url: server.url,
      clientId: 'svc',
      clientSecret: 'secret',
      retries: 1,
      retryDelay: 1,
      dpop: { privateKey: privateJwk },
      cache,
      onTokenRequest: (info) => seen.push(info),
      onTokenResponse: (response) => seen.push(response),
    });
    const nonce = { 'dpop-nonce': 'n-1' };
    server.enqueue(
      { status: 400, headers: nonce, body: { error: 'use_dpop_nonce' } },
      { body: tokenBody(3600, { token_type: 'DPoP' }) },
    );
    seen.push(await m2m.getToken());
    seen.push(await m2m.authorizationHeaders('POST', 'https://api.example.test/x'));
    server.enqueue(
      { status: 400, headers: nonce, body: { error: 'use_dpop_nonce' } },
      { status: 400, headers: nonce, body: { error: 'use_dpop_nonce' } },
    );
    seen.push(await m2m.getToken({ forceRefresh: true }).catch((error: unknown) => error));
    server.enqueue({ status: 400, body: { error: 'invalid_dpop_proof', error_description: 'bad proof' } });
    seen.push(await m2m.getToken({ forceRefresh: true }).catch((error: unknown) => error));
    const mismatched = new M2MClient({
      url: server.url,
      clientId: 'svc',
      clientSecret: 'secret',
      dpop: { privateKey: privateJwk, publicKey: (await generateKeyPair('ES256')).publicKey },
    });
    seen.push(await mismatched.getToken().catch((error: unknown) => error));
    seen.push(
      m2m,
      mismatched,
      server.requests.map((request) => request.headers),
    );

    const text = seen
      .map((value) =>
        [
          inspect(value, { depth: Number.POSITIVE_INFINITY, showHidden: true, getters: true }),
          value instanceof Error ? `${value.message}\n${value.stack}\n${String(value.cause)}` : '',
          JSON.stringify(value) ?? '',
        ].join('\n'),
      )
      .join('\n');
    expect(text).toContain('invalid_dpop_proof');
    expect(text).toContain('dpop.publicKey does not match');
    expect(text.length).toBeGreaterThan(1000);
    const secretD = privateJwk.d ?? '';
    expect(secretD.length).toBeGreaterThan(20);
    expect(text).not.toContain(secretD);
    expect(text).not.toContain(Buffer.from(secretD, 'base64url').toString('base64'));
    expect(text).not.toContain(pkcs8.split('\n')[1] ?? 'never');
  });
});
