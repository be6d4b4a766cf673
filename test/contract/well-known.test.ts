import { generateKeyPair, SignJWT } from 'jose';
import { describe, expect, inject, it } from 'vitest';
import { createM2MTokenVerifier } from '../../src/verify/index.js';
import { refusalOf } from '../verify/helpers.js';
import { type Exchange, recordingFetch } from './recording-fetch.js';
import { type DiscoveryPath, definedStatuses, resolveRef, spec } from './spec.js';

// The discovery endpoints a resource server reads, against the Prism mock: the JWK Set the verifier
// fetches (every status the document defines for it), and the RFC 8414 metadata, which must agree
// with the paths the SDK uses.

const prismUrl = inject('prismUrl');
const JWKS = '/.well-known/jwks.json';
const METADATA = '/.well-known/oauth-authorization-server';
const AUDIENCE = 'https://api.yourapp.com';
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

type Jwk = { kty: string; kid: string; alg: string };
type Metadata = Record<string, unknown> & { issuer: string; jwks_uri: string };

function exampleOf<T>(path: DiscoveryPath): T {
  const ok = resolveRef<{ content: { 'application/json': { examples: Record<string, { value: T }> } } }>(
    spec.paths[path]?.get?.responses['200'],
  );
  const [example] = Object.values(ok.content['application/json'].examples);
  if (!example) throw new Error(`GET ${path} has no 200 example`);
  return example.value;
}

/** An access token whose header names `kid`, signed by a key the JWK Set does not hold. */
async function tokenNaming(kid: string, alg: string): Promise<string> {
  const { privateKey } = await generateKeyPair(alg);
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ client_id: 'svc', jti: 'j1' })
    .setProtectedHeader({ alg, kid, typ: 'at+jwt' })
    .setIssuer(prismUrl)
    .setSubject('svc')
    .setAudience(AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + 60)
    .sign(privateKey);
}

function expectConforming(exchange: Exchange | undefined, status: number): void {
  expect(exchange).toMatchObject({ method: 'GET', status });
  expect(exchange?.responseHeaders['sl-violations'], 'Prism reported request violations').toBeUndefined();
}

it('the contract tests cover every operation of the document', () => {
  expect(Object.keys(spec.paths).sort()).toEqual([JWKS, METADATA, '/oauth2/revoke', '/oauth2/token']);
});

describe(`GET ${JWKS}: every defined status`, () => {
  it('has an expectation for every status the spec defines, and no other', () => {
    expect(definedStatuses(JWKS).sort()).toEqual([200, 503]);
  });

  it('200: a JWK Set of public keys the verifier loads and matches by kid', async () => {
    const wire = recordingFetch();
    const verifier = createM2MTokenVerifier({ url: prismUrl, audience: AUDIENCE, fetch: wire.fetch });
    const keys = exampleOf<{ keys: Jwk[] }>(JWKS).keys;
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      for (const member of PRIVATE_MEMBERS) expect(key, `${key.kid}.${member}`).not.toHaveProperty(member);
      // The example key is found and used: the forged signature is what fails, not the lookup.
      const error = await refusalOf(verifier.verify(await tokenNaming(key.kid, key.alg)));
      expect(error).toMatchObject({ code: 'invalid_token', message: 'the token signature is invalid' });
    }
    const unknown = await refusalOf(verifier.verify(await tokenNaming('no-such-kid', 'ES256')));
    expect(unknown.message).toBe('no signing key of the issuer matches the token (kid)');
    expect(wire.exchanges.map((e) => e.path)).toEqual([JWKS]);
    expectConforming(wire.exchanges[0], 200);
    expect(wire.exchanges[0]?.responseHeaders['content-type']).toMatch(/^application\/json/);
  });

  it('503: the verifier reports temporarily_unavailable, retryable, not invalid_token', async () => {
    const wire = recordingFetch();
    wire.prefer(JWKS, 503);
    const verifier = createM2MTokenVerifier({ url: prismUrl, audience: AUDIENCE, fetch: wire.fetch });
    const error = await refusalOf(verifier.verify(await tokenNaming('2026-05-es256', 'ES256')));
    expect(error).toMatchObject({ code: 'temporarily_unavailable', status: 503, retryable: true });
    expect(error.message).toContain('the JWKS endpoint answered HTTP 503');
    expectConforming(wire.exchanges[0], 503);
  });
});

describe(`GET ${METADATA} (RFC 8414)`, () => {
  it('has an expectation for every status the spec defines, and no other', () => {
    expect(definedStatuses(METADATA)).toEqual([200]);
  });

  it('200: agrees with the endpoints the SDK uses and the JWKS URL the verifier defaults to', async () => {
    const wire = recordingFetch();
    const response = await wire.fetch(`${prismUrl}${METADATA}`);
    expectConforming(wire.exchanges[0], 200);
    const metadata = (await response.json()) as Metadata;
    expect(metadata).toEqual(exampleOf<Metadata>(METADATA));
    expect(metadata).toMatchObject({
      token_endpoint: `${metadata.issuer}/oauth2/token`,
      revocation_endpoint: `${metadata.issuer}/oauth2/revoke`,
      jwks_uri: `${metadata.issuer}${JWKS}`,
    });
    expect(metadata.grant_types_supported).toContain('client_credentials');
    for (const field of [
      'token_endpoint_auth_methods_supported',
      'revocation_endpoint_auth_methods_supported',
    ]) {
      expect(metadata[field]).toEqual(expect.arrayContaining(['client_secret_post', 'client_secret_basic']));
    }

    // A verifier given only the issuer fetches the metadata's jwks_uri (here sent on to the mock).
    const fetched: string[] = [];
    const verifier = createM2MTokenVerifier({
      issuer: metadata.issuer,
      audience: AUDIENCE,
      fetch: (input, init) => {
        fetched.push(String(input));
        return wire.fetch(String(input).replace(metadata.issuer, prismUrl), init);
      },
    });
    await refusalOf(verifier.verify(await tokenNaming('2026-05-es256', 'ES256')));
    expect(fetched).toEqual([metadata.jwks_uri]);
  });
});
