// DPoP proofs (RFC 9449 §4.2) and the nonces of each server (§8, §9).
import { createHash } from 'node:crypto';
import { calculateJwkThumbprint, decodeProtectedHeader, EmbeddedJWK, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { DpopNonces } from '../../src/client/dpop-nonces.js';
import { accessTokenHash, DpopProver, proofTarget } from '../../src/client/dpop-proof.js';

async function verified(proof: string) {
  return jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: ['ES256'] });
}

describe('DpopProver.proof', () => {
  it('a token-request proof: typ dpop+jwt, alg, public jwk; jti, htm, htu, iat; no ath or nonce', async () => {
    const prover = new DpopProver(true);
    const before = Math.floor(Date.now() / 1000);
    const proof = await prover.proof('POST', new URL('https://auth.example.test/oauth2/token'));
    const { payload, protectedHeader } = await verified(proof);
    expect(protectedHeader.typ).toBe('dpop+jwt');
    expect(protectedHeader.alg).toBe('ES256');
    expect(Object.keys(protectedHeader.jwk ?? {}).sort()).toEqual(['crv', 'kty', 'x', 'y']);
    expect(await calculateJwkThumbprint(protectedHeader.jwk ?? {})).toBe(await prover.thumbprint());
    expect(Object.keys(payload).sort()).toEqual(['htm', 'htu', 'iat', 'jti']);
    expect(payload).toMatchObject({ htm: 'POST', htu: 'https://auth.example.test/oauth2/token' });
    expect(payload.iat).toBeGreaterThanOrEqual(before);
    expect(payload.iat).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
  });

  it('htu leaves out query and fragment; every proof has its own jti', async () => {
    const prover = new DpopProver(true);
    const url = new URL('https://api.example.test:8443/orders/42?expand=lines#top');
    const [one, two] = await Promise.all([prover.proof('GET', url), prover.proof('GET', url)]);
    const first = (await verified(one as string)).payload;
    const second = (await verified(two as string)).payload;
    expect(first.htu).toBe('https://api.example.test:8443/orders/42');
    expect(first.jti).not.toBe(second.jti);
  });

  it('a resource proof carries ath, the base64url SHA-256 of the access token', async () => {
    const prover = new DpopProver(true);
    const token = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJzdmMifQ.c2ln';
    const proof = await prover.proof('GET', new URL('https://api.example.test/users'), token);
    const expected = createHash('sha256').update(token).digest('base64url');
    expect((await verified(proof)).payload.ath).toBe(expected);
    expect(await accessTokenHash(token)).toBe(expected);
    const other = await prover.proof('GET', new URL('https://api.example.test/users'), `${token}x`);
    expect((await verified(other)).payload.ath).not.toBe(expected);
  });

  it("puts each server's latest nonce in its proofs, and no other server's", async () => {
    const prover = new DpopProver(true);
    const auth = new URL('https://auth.example.test/oauth2/token');
    const api = new URL('https://api.example.test/users');
    expect(prover.remember(auth, new Headers({ 'DPoP-Nonce': 'first-nonce' }))).toBe(true);
    expect((await verified(await prover.proof('POST', auth))).payload.nonce).toBe('first-nonce');
    expect((await verified(await prover.proof('GET', api))).payload.nonce).toBeUndefined();
    prover.remember(auth, { 'dpop-nonce': 'second-nonce' });
    expect((await verified(await prover.proof('POST', auth))).payload.nonce).toBe('second-nonce');
  });

  it('uses the same key for every proof; a key that fails to load is tried again', async () => {
    const prover = new DpopProver({ privateKey: { kty: 'EC', crv: 'P-256', x: 'bad', y: 'bad', d: 'bad' } });
    await expect(prover.proof('GET', new URL('https://api.example.test/'))).rejects.toThrow(
      'M2MClientConfig.dpop.privateKey',
    );
    await expect(prover.thumbprint()).rejects.toThrow('M2MClientConfig.dpop');
    const good = new DpopProver(true);
    const keys = await Promise.all([good.key(), good.key()]);
    expect(keys[0]).toBe(keys[1]);
    const jwk = decodeProtectedHeader(await good.proof('GET', new URL('https://a.test/'))).jwk;
    expect(await calculateJwkThumbprint(jwk ?? {})).toBe(keys[0]?.thumbprint);
  });
});

describe('DpopNonces', () => {
  it('keeps one nonce per origin: scheme, host and port', () => {
    const nonces = new DpopNonces();
    nonces.remember(new URL('https://api.example.test/a'), new Headers({ 'dpop-nonce': 'n1' }));
    expect(nonces.get(new URL('https://api.example.test/b?x=1'))).toBe('n1');
    expect(nonces.get(new URL('https://api.example.test:8443/a'))).toBeUndefined();
    expect(nonces.get(new URL('http://api.example.test/a'))).toBeUndefined();
  });

  it('ignores a missing or malformed nonce (RFC 9449 §8.1 NQCHAR) and keeps the previous one', () => {
    const nonces = new DpopNonces();
    const url = new URL('https://api.example.test/');
    nonces.remember(url, new Headers({ 'dpop-nonce': 'good' }));
    expect(nonces.remember(url, new Headers())).toBe(false);
    expect(nonces.remember(url, new Headers({ 'dpop-nonce': 'has "quote"' }))).toBe(false);
    expect(nonces.remember(url, { 'dpop-nonce': 'back\\slash' })).toBe(false);
    expect(nonces.remember(url, undefined)).toBe(false);
    expect(nonces.get(url)).toBe('good');
  });

  it('stays bounded: the oldest origin is forgotten first', () => {
    const nonces = new DpopNonces();
    for (let i = 0; i < 300; i++) nonces.remember(new URL(`https://h${i}.test/`), { 'dpop-nonce': `n${i}` });
    expect(nonces.get(new URL('https://h0.test/'))).toBeUndefined();
    expect(nonces.get(new URL('https://h299.test/'))).toBe('n299');
    expect(nonces.get(new URL('https://h44.test/'))).toBe('n44');
    expect(nonces.get(new URL('https://h43.test/'))).toBeUndefined();
  });
});

describe('proofTarget', () => {
  it.each([
    ['https://a.test', 'https://a.test/'],
    ['https://a.test:443/x/y/?q#f', 'https://a.test/x/y/'],
    ['http://127.0.0.1:8080/oauth2/token', 'http://127.0.0.1:8080/oauth2/token'],
    ['https://user:pw@a.test/p', 'https://a.test/p'],
  ])('%s → %s', (url, htu) => {
    expect(proofTarget(new URL(url))).toBe(htu);
  });
});
