// DPoP against the Prism mock of openapi/: the proof header passes the spec's validation, and the
// spec's DPoP answers (the DPoP token type, use_dpop_nonce with its DPoP-Nonce header,
// invalid_dpop_proof) map to the documented behaviour.
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { describe, expect, inject, it } from 'vitest';
import { type M2MError, M2MErrorCode } from '../../src/index.js';
import { clientFor, type Exchange, type RecordingFetch, recordingFetch } from './recording-fetch.js';
import { spec } from './spec.js';

const prismUrl = inject('prismUrl');

/** recordingFetch() whose next requests carry these `Prefer` values, in turn. */
function preferring(...prefers: string[]): RecordingFetch {
  const wire = recordingFetch();
  const fetch: typeof globalThis.fetch = (input, init) => {
    const request = new Request(input, init);
    const prefer = prefers.shift();
    if (prefer) request.headers.set('prefer', prefer);
    return wire.fetch(request);
  };
  return { ...wire, fetch };
}

function expectValid(exchange: Exchange | undefined) {
  expect(exchange?.responseHeaders['sl-violations'], 'Prism reported request violations').toBeUndefined();
  const proof = exchange?.headers.dpop ?? '';
  expect(decodeProtectedHeader(proof)).toMatchObject({ typ: 'dpop+jwt', alg: 'ES256' });
  expect(decodeJwt(proof)).toMatchObject({ htm: 'POST', htu: `${prismUrl}/oauth2/token` });
  return decodeJwt(proof);
}

/** The `DPoP-Nonce` example of the spec, which Prism sends. */
const SPEC_NONCE = (spec.components.headers as Record<string, { schema: { examples: string[] } }>).DPoPNonce
  ?.schema.examples[0];

describe('DPoP against the spec', () => {
  it('a token request with a proof conforms; a Bearer answer is used as a bearer token', async () => {
    const wire = recordingFetch();
    const token = await clientFor(wire, { dpop: true }).getToken();
    expect(wire.exchanges).toHaveLength(1);
    expectValid(wire.exchanges[0]);
    expect(wire.exchanges[0]?.status).toBe(200);
    expect(token.token_type).toBe('Bearer');
  });

  it('the DPoP token type of the spec is accepted with a proof', async () => {
    const wire = preferring('example=dpopToken');
    const token = await clientFor(wire, { dpop: true }).getToken();
    expect(token.token_type).toBe('DPoP');
    expect(decodeJwt(token.access_token).cnf).toHaveProperty('jkt');
  });

  it('and refused without one: a DPoP token is of no use to a client without the key', async () => {
    const wire = preferring('example=dpopToken');
    const error = (await clientFor(wire)
      .getToken()
      .catch((e: unknown) => e)) as M2MError;
    expect(error.code).toBe(M2MErrorCode.ServerError);
    expect(error.message).toBe(
      'Invalid token response: token_type must be "Bearer" (got "DPoP", but no DPoP proof was sent)',
    );
  });

  it('use_dpop_nonce with a DPoP-Nonce header: answered once with that nonce, even with retries: 0', async () => {
    const wire = preferring('code=400, example=useDpopNonce');
    const token = await clientFor(wire, { dpop: true, retries: 0 }).getToken();
    expect(token.access_token).not.toBe('');
    expect(wire.exchanges.map((exchange) => exchange.status)).toEqual([400, 200]);
    expect(wire.exchanges[0]?.responseHeaders['dpop-nonce']).toBe(SPEC_NONCE);
    expect(expectValid(wire.exchanges[0]).nonce).toBeUndefined();
    expect(expectValid(wire.exchanges[1]).nonce).toBe(SPEC_NONCE);
  });

  it('a second use_dpop_nonce in a row is reported, after two requests', async () => {
    const wire = preferring('code=400, example=useDpopNonce', 'code=400, example=useDpopNonce');
    const error = (await clientFor(wire, { dpop: true })
      .getToken()
      .catch((e: unknown) => e)) as M2MError;
    expect(wire.exchanges).toHaveLength(2);
    expect(error.code).toBe(M2MErrorCode.UseDpopNonce);
    expect(error.status).toBe(400);
    expect(error.message).toContain('use_dpop_nonce');
    expect(error.headers?.['dpop-nonce']).toBe(SPEC_NONCE);
  });

  it('invalid_dpop_proof is final: one request, reported with its own code', async () => {
    const wire = preferring('code=400, example=invalidDpopProof');
    const error = (await clientFor(wire, { dpop: true, retries: 3 })
      .getToken()
      .catch((e: unknown) => e)) as M2MError;
    expect(wire.exchanges).toHaveLength(1);
    expect(error.code).toBe(M2MErrorCode.InvalidDpopProof);
    expect(error.message).toBe(
      'Token request failed with HTTP 400: invalid_dpop_proof - DPoP proof htu mismatch',
    );
  });
});
