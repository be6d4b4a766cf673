// Property: parseToken takes any string and either returns normalised claims (RFC 9068 §2.2) or throws
// an M2MError; it never throws anything else. Claims it is given come back as given, normalised.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { M2MClient, M2MError, M2MErrorCode, type M2MTokenClaims } from '../../src/index.js';

const RUNS = 10_000;
const client = new M2MClient({ url: 'http://127.0.0.1:9', clientId: 'svc', clientSecret: 'property-secret' });

const base64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
/** An unsigned compact JWS with `payload` as its claims set (parseToken does not verify signatures). */
const jwtOf = (payload: string, header = '{"alg":"HS256","typ":"at+jwt"}') =>
  `${base64url(header)}.${base64url(payload)}.c2lnbmF0dXJl`;

function expectNormalised(claims: M2MTokenClaims): void {
  for (const field of ['iss', 'sub', 'client_id', 'jti'] as const)
    expect(typeof claims[field]).toBe('string');
  for (const field of ['iat', 'exp'] as const) expect(Number.isFinite(claims[field])).toBe(true);
  expect(Array.isArray(claims.aud)).toBe(true);
  for (const audience of claims.aud) expect(typeof audience).toBe('string');
  expect(Array.isArray(claims.scopes)).toBe(true);
  for (const scope of claims.scopes) expect(typeof scope).toBe('string');
}

function outcomeOf(token: string): M2MTokenClaims | M2MError {
  try {
    return client.parseToken(token);
  } catch (error) {
    if (error instanceof M2MError) return error;
    throw error;
  }
}

/** A claim of the right type most of the time; otherwise anything, or absent. */
const claimOr = <T>(valid: fc.Arbitrary<T>) =>
  fc.oneof(
    { weight: 6, arbitrary: valid as fc.Arbitrary<unknown> },
    { weight: 1, arbitrary: fc.anything() },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );

/** Strings that look like JWTs in every degree: random text, three random parts, real encodings of any JSON. */
const tokenLike = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.tuple(fc.string(), fc.string(), fc.string()).map(([a, b, c]) => `${a}.${b}.${c}`),
  fc.jsonValue().map((value) => jwtOf(JSON.stringify(value))),
  fc.string({ unit: 'binary' }).map((text) => jwtOf(text)),
  fc
    .record(
      {
        iss: fc.anything(),
        aud: fc.anything(),
        scope: fc.anything(),
        scp: fc.anything(),
        scopes: fc.anything(),
      },
      { requiredKeys: [] },
    )
    .map((claims) => jwtOf(JSON.stringify(claims) ?? 'null')),
  fc.jsonValue().map((value) => jwtOf('{"sub":"x"}', JSON.stringify(value))),
  fc
    .record({
      iss: claimOr(fc.string()),
      exp: claimOr(fc.integer()),
      aud: claimOr(fc.oneof(fc.string(), fc.array(fc.string()))),
      sub: claimOr(fc.string()),
      client_id: claimOr(fc.string()),
      iat: claimOr(fc.double({ noNaN: true, noDefaultInfinity: true })),
      jti: claimOr(fc.string()),
      type: claimOr(fc.string()),
      scope: fc.anything(),
    })
    .map((claims) => jwtOf(JSON.stringify(claims))),
);

describe('parseToken over arbitrary input', () => {
  it('returns normalised claims or throws an invalid_request M2MError, nothing else', () => {
    fc.assert(
      fc.property(tokenLike, (token) => {
        const outcome = outcomeOf(token);
        if (outcome instanceof M2MError) {
          expect(outcome.code).toBe(M2MErrorCode.InvalidRequest);
          expect(outcome.message).toMatch(
            /^(Cannot parse the access token as a JWT|The access token is not an RFC 9068 JWT access token: \w+ is (missing|not))/,
          );
        } else {
          expectNormalised(outcome);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('round-trips well-formed claims, with aud as an array and scopes from scopes, scope or scp', () => {
    const scopeToken = fc.stringMatching(/^[\x21\x23-\x5B\x5D-\x7E]{1,12}$/);
    const claims = fc.record(
      {
        iss: fc.webUrl(),
        sub: fc.string({ minLength: 1 }),
        aud: fc.oneof(fc.string({ minLength: 1 }), fc.array(fc.string({ minLength: 1 }), { maxLength: 4 })),
        iat: fc.integer({ min: 0, max: 2 ** 31 }),
        exp: fc.integer({ min: 0, max: 2 ** 32 }),
        client_id: fc.string({ minLength: 1 }),
        jti: fc.string({ minLength: 1 }),
        tenant_id: fc.string(),
        grantedScopes: fc.array(scopeToken, { maxLength: 5 }),
        scopeClaim: fc.constantFrom('scopes', 'scope', 'scp'),
      },
      {
        requiredKeys: ['iss', 'sub', 'aud', 'iat', 'exp', 'client_id', 'jti', 'grantedScopes', 'scopeClaim'],
      },
    );
    fc.assert(
      fc.property(claims, ({ grantedScopes, scopeClaim, ...rest }) => {
        const scopeValue = scopeClaim === 'scope' ? grantedScopes.join(' ') : grantedScopes;
        const parsed = client.parseToken(jwtOf(JSON.stringify({ ...rest, [scopeClaim]: scopeValue })));
        expectNormalised(parsed);
        expect(parsed.iss).toBe(rest.iss);
        expect(parsed.sub).toBe(rest.sub);
        expect(parsed.aud).toEqual(typeof rest.aud === 'string' ? [rest.aud] : rest.aud);
        expect(parsed.iat).toBe(rest.iat);
        expect(parsed.exp).toBe(rest.exp);
        expect(parsed.client_id).toBe(rest.client_id);
        expect(parsed.jti).toBe(rest.jti);
        expect(parsed.tenant_id).toBe(rest.tenant_id);
        expect(parsed.scopes).toEqual(grantedScopes);
      }),
      { numRuns: RUNS },
    );
  });
});
