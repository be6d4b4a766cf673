import { describe, expect, expectTypeOf, it } from 'vitest';
import { M2MClient, type M2MTokenClaims } from '../../src/index.js';
import { exampleAccessToken, spec } from './spec.js';

// The spec's token example is a JWT whose claims are the product doc's M2MTokenClaims.

describe('the example access token of the spec', () => {
  const m2m = new M2MClient({ url: 'http://127.0.0.1:1', clientId: 'svc-orders', clientSecret: 's3cret' });
  const claims = m2m.parseToken(exampleAccessToken());

  it('parses into M2MTokenClaims', () => {
    expectTypeOf(claims).toEqualTypeOf<M2MTokenClaims>();
    expect(claims).toMatchObject({
      iss: 'https://auth.yourapp.com',
      sub: 'your-client-id',
      client_id: 'your-client-id',
      type: 'm2m',
      tenant_id: 'tenant_01HZX3K8',
      aud: ['https://api.yourapp.com'],
      scopes: ['users:read', 'orders:write'],
    });
    expect(Number.isInteger(claims.iat)).toBe(true);
    expect(Number.isInteger(claims.exp)).toBe(true);
  });

  it('agrees with the rest of the example response', () => {
    const ok = spec.paths['/oauth2/token']?.post?.responses['200'] as {
      content: { 'application/json': { examples: Record<string, { value: Record<string, unknown> }> } };
    };
    for (const { value } of Object.values(ok.content['application/json'].examples)) {
      const example = m2m.parseToken(value.access_token as string);
      expect(example.exp - example.iat).toBe(value.expires_in);
      expect(example.scopes.join(' ')).toBe(value.scope);
      expect(example.aud.every((audience) => typeof audience === 'string')).toBe(true);
    }
  });
});
