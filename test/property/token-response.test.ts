// Property: the token response parser takes any body a server might send and either returns a valid
// token or throws an M2MError (server_error); it never throws anything else. Valid bodies round-trip.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { processTokenResponse } from '../../src/client/token-endpoint.js';
import { M2MClient, M2MError, M2MErrorCode, type M2MTokenResponse } from '../../src/index.js';

const RUNS = 10_000;
/** The longest lifetime the client accepts (a year), as token-endpoint.ts defines it. */
const MAX_EXPIRES_IN = 365 * 24 * 3600;

/** The invariants of every token the client hands out. */
function expectValidToken(token: M2MTokenResponse, receivedAt: number): void {
  expect(typeof token.access_token).toBe('string');
  expect(token.access_token.length).toBeGreaterThan(0);
  expect(token.token_type).toBe('Bearer');
  expect(Number.isInteger(token.expires_in)).toBe(true);
  expect(token.expires_in).toBeGreaterThanOrEqual(1);
  expect(token.expires_in).toBeLessThanOrEqual(MAX_EXPIRES_IN);
  expect(token.issued_at).toBe(Math.floor(receivedAt / 1000));
  if ('scope' in token) expect(typeof token.scope).toBe('string');
}

function outcomeOf(body: unknown, receivedAt: number): M2MTokenResponse | M2MError {
  try {
    return processTokenResponse(body, receivedAt);
  } catch (error) {
    if (error instanceof M2MError) return error;
    throw error;
  }
}

/** Values near and across every boundary the parser checks, plus anything at all. */
const fieldValue = fc.oneof(
  fc.anything(),
  fc.string(),
  fc.constantFrom('Bearer', 'bearer', 'BEARER', 'mac', '', 'DPoP'),
  fc.double(),
  fc.integer({ min: -10, max: MAX_EXPIRES_IN + 10 }),
  fc.constantFrom(0, 1, MAX_EXPIRES_IN, MAX_EXPIRES_IN + 1, Number.MAX_SAFE_INTEGER, -0),
);

/** Objects with the token response's fields, each present or absent, right or wrong. */
const tokenLikeBody = fc.record(
  {
    access_token: fieldValue,
    token_type: fieldValue,
    expires_in: fieldValue,
    scope: fieldValue,
    refresh_token: fieldValue,
  },
  { requiredKeys: [] },
);

const receivedAt = fc.integer({ min: 0, max: 4_102_444_800_000 });

describe('processTokenResponse over arbitrary bodies', () => {
  it('returns a valid token or throws a server_error M2MError, nothing else', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.jsonValue(), tokenLikeBody), receivedAt, (body, at) => {
        const outcome = outcomeOf(body, at);
        if (outcome instanceof M2MError) {
          expect(outcome.code).toBe(M2MErrorCode.ServerError);
          expect(outcome.message).toMatch(/^Invalid token response: /);
        } else {
          expectValidToken(outcome, at);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('round-trips every valid body', () => {
    const validBody = fc.record(
      {
        access_token: fc.string({ minLength: 1 }),
        token_type: fc.constantFrom('Bearer', 'bearer', 'BEARER', 'bEaReR'),
        expires_in: fc.oneof(
          fc.integer({ min: 1, max: MAX_EXPIRES_IN }),
          fc.double({ min: 1, max: MAX_EXPIRES_IN, noNaN: true }),
        ),
        scope: fc.string(),
        extra: fc.jsonValue(),
      },
      { requiredKeys: ['access_token', 'token_type', 'expires_in'] },
    );
    fc.assert(
      fc.property(validBody, receivedAt, (body, at) => {
        const token = processTokenResponse(body, at);
        expectValidToken(token, at);
        expect(token.access_token).toBe(body.access_token);
        expect(token.expires_in).toBe(Math.floor(body.expires_in));
        expect(token.scope).toBe(body.scope);
        expect(Object.keys(token).sort()).toEqual(
          [
            'access_token',
            'expires_in',
            'issued_at',
            'token_type',
            ...('scope' in body ? ['scope'] : []),
          ].sort(),
        );
      }),
      { numRuns: RUNS },
    );
  });
});

describe('a token response body end to end (bytes on the wire → getToken)', () => {
  it('any body text with status 200 gives a valid token or an M2MError', async () => {
    // The text goes through the client's real path: transport, body cap, JSON parsing, validation.
    let text = '';
    const fetchText: typeof fetch = async () =>
      new Response(text, { headers: { 'content-type': 'application/json' } });
    const texts = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.jsonValue().map((value) => JSON.stringify(value)),
      tokenLikeBody.map((body) => JSON.stringify(body) ?? ''),
    );
    await fc.assert(
      fc.asyncProperty(texts, async (body) => {
        text = body;
        const client = new M2MClient({
          url: 'http://127.0.0.1:9',
          clientId: 'svc',
          clientSecret: 'property-secret',
          retries: 0,
          fetch: fetchText,
        });
        const before = Date.now();
        try {
          const token = await client.getToken();
          expect(token.token_type).toBe('Bearer');
          expect(token.access_token.length).toBeGreaterThan(0);
          expect(token.issued_at).toBeGreaterThanOrEqual(Math.floor(before / 1000));
        } catch (error) {
          expect(error).toBeInstanceOf(M2MError);
        }
      }),
      { numRuns: 2_000 },
    );
  });
});
