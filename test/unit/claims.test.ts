// parseToken: JWT claims decoded through jose, normalised per RFC 9068.
import { describe, expect, it } from 'vitest';
import { M2MClient, M2MError, M2MErrorCode } from '../../src/index.js';
import { makeJwt } from '../support/token-server.js';

const m2m = new M2MClient({ url: 'http://127.0.0.1:9', clientId: 'svc', clientSecret: 'unit-secret' });

/** An unsigned JWT-shaped string with exactly these claims (parseToken does not verify signatures). */
function jwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'at+jwt' })}.${part(claims)}.`;
}

/** The claims RFC 9068 §2.2 requires, so that a test can vary the rest. */
const REQUIRED = {
  iss: 'https://auth.example.test',
  sub: 'svc-9',
  aud: 'https://api.test',
  client_id: 'svc-9',
  iat: 10,
  exp: 20,
  jti: 'j-1',
};

describe('parseToken', () => {
  it('decodes a signed M2M token', async () => {
    const token = await makeJwt({ tenant_id: 'tenant-7', scopes: ['users:read', 'orders:write'] });
    const claims = m2m.parseToken(token);
    expect(claims).toMatchObject({
      iss: 'http://127.0.0.1',
      sub: 'test-client',
      aud: ['https://api.example.test'],
      type: 'm2m',
      client_id: 'test-client',
      tenant_id: 'tenant-7',
      scopes: ['users:read', 'orders:write'],
    });
    expect(claims.exp - claims.iat).toBe(3600);
  });

  it('turns a string aud into an array', () => {
    expect(m2m.parseToken(jwt({ ...REQUIRED, aud: 'https://api.test' })).aud).toEqual(['https://api.test']);
    expect(m2m.parseToken(jwt({ ...REQUIRED, aud: ['a', 'b'] })).aud).toEqual(['a', 'b']);
  });

  it.each<[string, Record<string, unknown>, string[]]>([
    ['a scopes array', { scopes: ['a:read', 'b:write'] }, ['a:read', 'b:write']],
    ['the RFC 9068 scope string', { scope: 'a:read  b:write' }, ['a:read', 'b:write']],
    ['an scp array', { scp: ['a:read'] }, ['a:read']],
    ['an scp string', { scp: 'a:read b:write' }, ['a:read', 'b:write']],
    ['scopes before scope before scp', { scopes: ['x'], scope: 'y', scp: ['z'] }, ['x']],
    ['scope before scp', { scope: 'y', scp: ['z'] }, ['y']],
    ['no scope claim at all', {}, []],
  ])('takes scopes from %s', (_label, claims, scopes) => {
    expect(m2m.parseToken(jwt({ ...REQUIRED, ...claims })).scopes).toEqual(scopes);
  });

  it('returns the claims as the token holds them, further claims included', () => {
    const claims = m2m.parseToken(jwt({ ...REQUIRED, act: { sub: 'admin' }, cnf: 'x' }));
    expect(claims).toEqual({ ...REQUIRED, aud: [REQUIRED.aud], scopes: [], act: { sub: 'admin' }, cnf: 'x' });
  });

  it.each([
    ['an opaque token', 'opaque-access-token'],
    ['an empty string', ''],
    ['two parts', 'a.b'],
    ['a payload that is not JSON', `${Buffer.from('{}').toString('base64url')}.bm90IGpzb24.sig`],
    [
      'a payload that is not an object',
      `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('["a"]').toString('base64url')}.`,
    ],
    ['a number', 42 as unknown as string],
  ])('throws an M2MError for %s', (_label, input) => {
    let caught: unknown;
    try {
      m2m.parseToken(input);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(M2MError);
    expect((caught as M2MError).code).toBe(M2MErrorCode.InvalidRequest);
    expect((caught as M2MError).message).toMatch(/JWT/);
  });
});
