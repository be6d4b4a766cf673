// DPoP at the token endpoint against the scripted loopback server: a proof per attempt, the nonce of
// any response kept, use_dpop_nonce answered once and only with a nonce, configuration errors.
import { decodeJwt, exportJWK, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { M2MConfigError, M2MError } from '../../src/index.js';
import { tokenBody } from '../support/token-server.js';
import { useTokenServer } from './fixtures.js';

const t = useTokenServer();

const dpopToken = () => ({ body: tokenBody(3600, { token_type: 'DPoP' }) });
const proofs = () => t.server.requests.map((request) => decodeJwt(String(request.headers.dpop)));

describe('DPoP token requests', () => {
  it('every attempt, retries included, carries a fresh proof for POST {url}/oauth2/token', async () => {
    t.server.enqueue({ status: 503 }, dpopToken());
    const token = await t.client({ dpop: true, retries: 1 }).getToken();
    expect(token.token_type).toBe('DPoP');
    const [first, second] = proofs();
    expect(first).toMatchObject({ htm: 'POST', htu: `${t.server.url}/oauth2/token` });
    expect(second?.jti).not.toBe(first?.jti);
  });

  it('keeps the nonce of a successful response and sends it in the next token request', async () => {
    t.server.enqueue({ ...dpopToken(), headers: { 'dpop-nonce': 'from-a-200' } }, dpopToken());
    const m2m = t.client({ dpop: true });
    await m2m.getToken();
    await m2m.getToken({ forceRefresh: true });
    expect(proofs().map((proof) => proof.nonce)).toEqual([undefined, 'from-a-200']);
  });

  it('a use_dpop_nonce without a DPoP-Nonce header is final: nothing to answer it with', async () => {
    t.server.enqueue({ status: 400, body: { error: 'use_dpop_nonce' } });
    const error = await t
      .client({ dpop: true })
      .getToken()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(M2MError);
    expect((error as M2MError).code).toBe('use_dpop_nonce');
    expect((error as M2MError).message).toBe('Token request failed with HTTP 400: use_dpop_nonce');
    expect(t.server.requests).toHaveLength(1);
  });

  it('a nonce challenge is answered inside the attempt: retries still count only real failures', async () => {
    const challenge = { status: 400, headers: { 'dpop-nonce': 'n1' }, body: { error: 'use_dpop_nonce' } };
    t.server.enqueue(challenge, { status: 503 }, challenge, dpopToken());
    const attempts: number[] = [];
    const token = await t
      .client({ dpop: true, retries: 1, onTokenRequest: ({ attempt }) => attempts.push(attempt) })
      .getToken();
    expect(token.token_type).toBe('DPoP');
    expect(attempts).toEqual([1, 2]);
    expect(t.server.requests).toHaveLength(4);
  });

  it('a DPoP token to a client without dpop is a server_error', async () => {
    t.server.enqueue(dpopToken());
    await expect(t.client().getToken()).rejects.toMatchObject({
      code: 'server_error',
      message: 'Invalid token response: token_type must be "Bearer" (got "DPoP", but no DPoP proof was sent)',
    });
    expect(t.server.requests[0]?.headers.dpop).toBeUndefined();
  });
});

describe('DPoP configuration', () => {
  it('a malformed dpop option fails in the constructor, naming the field', () => {
    expect(() => t.client({ dpop: { privateKey: 'pem text' as never } })).toThrow(
      new M2MConfigError('M2MClientConfig.dpop.privateKey must be a CryptoKey, a KeyObject or a JWK'),
    );
  });

  it('a key that does not fit its public key fails at first use, as an M2MError naming the field; nothing is sent', async () => {
    const one = await generateKeyPair('ES256', { extractable: true });
    const two = await generateKeyPair('ES256');
    const m2m = t.client({ dpop: { privateKey: await exportJWK(one.privateKey), publicKey: two.publicKey } });
    const error = (await m2m.getToken().catch((e: unknown) => e)) as M2MError;
    expect(error).toBeInstanceOf(M2MError);
    expect(error.code).toBe('invalid_request');
    expect(error.message).toBe(
      'Token request failed: M2MClientConfig.dpop.publicKey does not match dpop.privateKey',
    );
    expect(error.cause).toBeInstanceOf(M2MConfigError);
    expect(t.server.requests).toHaveLength(0);
  });
});
