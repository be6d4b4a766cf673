import { describe, expect, it } from 'vitest';
import { type M2MClientConfig, M2MError, M2MErrorCode } from '../../src/index.js';
import { clientFor, type RecordingFetch, recordingFetch } from './recording-fetch.js';
import { definedStatuses, exampleAccessToken, type OperationPath } from './spec.js';

// Every status the spec defines for each operation is forced on Prism with `Prefer: code=N`, and the
// client's result is asserted. The statuses come from the document itself: a status added to the
// spec without an expectation here fails the suite.

/** The error an operation must reject with for a status, and the retry settings that make it final. */
type ErrorExpectation = {
  code: M2MErrorCode;
  /** Client settings for the case: transient statuses carry a 30 s Retry-After, so no retries there. */
  config: Partial<M2MClientConfig>;
  /** How many requests the client sends in all. */
  requests: number;
  /** A response header the error must carry (lower-cased). */
  header?: [name: string, value: string];
};

const TOKEN_ERRORS: Record<number, ErrorExpectation> = {
  // Not transient: never retried, even with the default three retries.
  400: { code: M2MErrorCode.InvalidScope, config: {}, requests: 1 },
  401: { code: M2MErrorCode.InvalidClient, config: {}, requests: 1 },
  429: {
    code: M2MErrorCode.RateLimitExceeded,
    config: { retries: 0 },
    requests: 1,
    header: ['retry-after', '30'],
  },
  // No Retry-After: retried after the (zero) backoff, then reported.
  500: { code: M2MErrorCode.ServerError, config: { retries: 1, retryDelay: 0 }, requests: 2 },
  503: {
    code: M2MErrorCode.TemporarilyUnavailable,
    config: { retries: 0 },
    requests: 1,
    header: ['retry-after', '30'],
  },
};

const REVOCATION_ERRORS: Record<number, ErrorExpectation> = {
  400: { code: M2MErrorCode.InvalidScope, config: {}, requests: 1 },
  401: {
    code: M2MErrorCode.InvalidClient,
    config: {},
    requests: 1,
    header: ['www-authenticate', 'Basic realm="passflow"'],
  },
  503: {
    code: M2MErrorCode.TemporarilyUnavailable,
    config: { retries: 0 },
    requests: 1,
    header: ['retry-after', '30'],
  },
};

async function rejection(promise: Promise<unknown>): Promise<M2MError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(M2MError);
  return error as M2MError;
}

function expectError(error: M2MError, status: number, expected: ErrorExpectation): void {
  expect(error.code).toBe(expected.code);
  expect(error.status).toBe(status);
  expect(error.message).toContain(`HTTP ${status}`);
  if (expected.header) {
    const [name, value] = expected.header;
    expect(error.headers?.[name]).toBe(value);
  }
}

/** A forced status must not hide a malformed request: Prism still reports violations alongside it. */
function expectNoViolations(wire: RecordingFetch): void {
  for (const exchange of wire.exchanges) expect(exchange.responseHeaders['sl-violations']).toBeUndefined();
}

function covered(path: OperationPath, success: number, errors: Record<number, ErrorExpectation>): void {
  it(`has an expectation for every status the spec defines for ${path}, and no other`, () => {
    const byNumber = (a: number, b: number) => a - b;
    const expected = [success, ...Object.keys(errors).map(Number)].sort(byNumber);
    expect(definedStatuses(path).sort(byNumber)).toEqual(expected);
  });
}

describe('POST /oauth2/token: every defined status', () => {
  covered('/oauth2/token', 200, TOKEN_ERRORS);

  it.each(definedStatuses('/oauth2/token'))('%i', async (status) => {
    const wire = recordingFetch();
    wire.prefer('/oauth2/token', status);
    if (status === 200) {
      const m2m = clientFor(wire);
      const before = Math.floor(Date.now() / 1000);
      const token = await m2m.getToken();
      const after = Math.floor(Date.now() / 1000);
      expect(token).toMatchObject({
        access_token: exampleAccessToken(),
        token_type: 'Bearer',
        expires_in: 3600,
        scope: 'users:read orders:write',
      });
      expect(token.issued_at).toBeGreaterThanOrEqual(before);
      expect(token.issued_at).toBeLessThanOrEqual(after);
      expect(m2m.getCachedToken()).toBe(token);
      expect(wire.exchanges[0]?.responseHeaders['cache-control']).toBe('no-store');
      expectNoViolations(wire);
      return;
    }
    const expected = TOKEN_ERRORS[status];
    if (!expected) throw new Error(`no expectation for status ${status} of POST /oauth2/token`);
    const m2m = clientFor(wire, expected.config);
    expectError(await rejection(m2m.getToken()), status, expected);
    expect(wire.exchanges.map((e) => e.status)).toEqual(Array(expected.requests).fill(status));
    expect(m2m.getCachedToken()).toBeNull();
    expectNoViolations(wire);
  });
});

describe('POST /oauth2/revoke: every defined status', () => {
  covered('/oauth2/revoke', 200, REVOCATION_ERRORS);

  it.each(definedStatuses('/oauth2/revoke'))('%i', async (status) => {
    const wire = recordingFetch();
    const expected = REVOCATION_ERRORS[status];
    const m2m = clientFor(wire, expected?.config);
    const token = await m2m.getToken();
    wire.prefer('/oauth2/revoke', status);
    if (status === 200) {
      await expect(m2m.revokeToken()).resolves.toBeUndefined();
      expect(m2m.getCachedToken()).toBeNull();
      expect(m2m.isTokenExpired()).toBe(true);
      expectNoViolations(wire);
      return;
    }
    if (!expected) throw new Error(`no expectation for status ${status} of POST /oauth2/revoke`);
    expectError(await rejection(m2m.revokeToken()), status, expected);
    const revocations = wire.exchanges.filter((e) => e.path === '/oauth2/revoke');
    expect(revocations.map((e) => e.status)).toEqual(Array(expected.requests).fill(status));
    // A failed revocation leaves the token in place: it may still be valid at the server.
    expect(m2m.getCachedToken()).toBe(token);
    expectNoViolations(wire);
  });
});
