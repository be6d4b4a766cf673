import { describe, expect, expectTypeOf, it } from 'vitest';
import { type AssertionFields, JWT_BEARER_ASSERTION_TYPE } from '../../src/client/client-assertion.js';
import type { components, operations } from '../../src/generated/schema.js';
import type { M2MErrorCode, M2MTokenRequestOptions, M2MTokenResponse } from '../../src/index.js';

// Type-level contract, checked by `npm run typecheck`: the public types fit the generated bindings,
// so a change to openapi/ that the SDK's API no longer matches fails the build after `npm run generate`.

type Schemas = components['schemas'];

describe('public types fit the generated bindings', () => {
  it('M2MTokenResponse is the wire TokenResponse plus the local issued_at', () => {
    expectTypeOf<Schemas['TokenResponse']>().toEqualTypeOf<Omit<M2MTokenResponse, 'issued_at'>>();
    expectTypeOf<operations['requestToken']['responses'][200]['content']['application/json']>().toEqualTypeOf<
      Schemas['TokenResponse']
    >();
  });

  it('M2MErrorCode holds exactly the error codes of the spec, RFC 7009 unsupported_token_type included', () => {
    expectTypeOf<`${M2MErrorCode}`>().toEqualTypeOf<Schemas['OAuthErrorCode']>();
    expectTypeOf<'unsupported_token_type'>().toExtend<`${M2MErrorCode}`>();
    expectTypeOf<'invalid_dpop_proof' | 'use_dpop_nonce'>().toExtend<`${M2MErrorCode}`>();
  });

  it('request options map onto form fields of the token request', () => {
    type Wire = Schemas['TokenRequest'];
    expectTypeOf<Wire['grant_type']>().toEqualTypeOf<'client_credentials'>();
    expectTypeOf<NonNullable<M2MTokenRequestOptions['resource']>>().toExtend<NonNullable<Wire['resource']>>();
    expectTypeOf<NonNullable<M2MTokenRequestOptions['scopes']>[number]>().toExtend<
      NonNullable<Wire['scope']>
    >();
    expectTypeOf<NonNullable<M2MTokenRequestOptions['audience']>[number]>().toExtend<
      NonNullable<Wire['audience']>
    >();
  });

  it('client assertions are sent with the assertion type the spec names (RFC 7523 §2.2)', () => {
    expectTypeOf<Schemas['ClientAssertionType']>().toEqualTypeOf<typeof JWT_BEARER_ASSERTION_TYPE>();
    expectTypeOf<AssertionFields['client_assertion_type']>().toEqualTypeOf<
      NonNullable<Schemas['TokenRequest']['client_assertion_type']>
    >();
    expectTypeOf<AssertionFields['client_assertion_type']>().toEqualTypeOf<
      NonNullable<Schemas['RevocationRequest']['client_assertion_type']>
    >();
    expect(JWT_BEARER_ASSERTION_TYPE).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
  });

  it('revocation sends an access token hint the spec allows', () => {
    expectTypeOf<'access_token'>().toExtend<NonNullable<Schemas['RevocationRequest']['token_type_hint']>>();
  });
});
