// Client assertions against oidc-provider's own checks (RFC 7523 §3): assertions built by hand with
// jose and sent as they are, so that what is refused is refused by the server, for the stated reason.
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JWT_BEARER_ASSERTION_TYPE, signClientAssertion } from '../../src/client/client-assertion.js';
import { type OidcProviderServer, startOidcProvider } from '../support/oidc-provider.js';

const CLIENT_ID = 'jwt-client';
const HMAC_CLIENT_ID = 'hmac-client';
const HMAC_SECRET = 'hmac-client-secret-of-at-least-32-bytes';

let server: OidcProviderServer;
let privateKey: CryptoKey;

beforeAll(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true });
  privateKey = pair.privateKey;
  server = await startOidcProvider({
    clients: [
      {
        client_id: CLIENT_ID,
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1' }] },
      },
      {
        client_id: HMAC_CLIENT_ID,
        client_secret: HMAC_SECRET,
        token_endpoint_auth_method: 'client_secret_jwt',
      },
    ],
  });
});
afterAll(() => server.close());

/** Posts a client credentials request authenticated by `assertion`; resolves to status and body. */
async function sendAssertion(assertion: string, clientId = CLIENT_ID) {
  const response = await fetch(server.tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_assertion_type: JWT_BEARER_ASSERTION_TYPE,
      client_assertion: assertion,
    }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

type Claims = { iss?: string; sub?: string; aud?: string; jti?: string; iat?: number; exp?: number };

/** An assertion with the claims a valid one has, each replaceable. */
function handMade(claims: Claims = {}, key: CryptoKey | Uint8Array = privateKey, alg = 'ES256') {
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    iss: CLIENT_ID,
    sub: CLIENT_ID,
    aud: server.tokenEndpoint,
    jti: crypto.randomUUID(),
    iat: now,
    exp: now + 60,
    ...claims,
  };
  return new SignJWT(payload).setProtectedHeader({ alg }).sign(key);
}

/** Sends `assertion` and expects the server to refuse it with invalid_client for `reason`. */
async function expectRefused(assertion: string, reason: RegExp, clientId = CLIENT_ID) {
  const before = server.errors.length;
  const { status, body } = await sendAssertion(assertion, clientId);
  expect(status).toBe(401);
  expect(body.error).toBe('invalid_client');
  expect(server.errors.slice(before).map((error) => error.detail)).toEqual([expect.stringMatching(reason)]);
}

describe("oidc-provider's checks of a client assertion", () => {
  it('accepts the assertion as the client signs it, and as built by hand', async () => {
    const signed = await signClientAssertion({
      clientId: CLIENT_ID,
      audience: server.tokenEndpoint,
      key: privateKey,
      algorithm: 'ES256',
      keyId: 'k1',
    });
    expect((await sendAssertion(signed.client_assertion)).status).toBe(200);
    expect((await sendAssertion(await handMade())).status).toBe(200);
  });

  it('accepts the issuer as audience (assertionAudience: "issuer")', async () => {
    expect((await sendAssertion(await handMade({ aud: server.issuer }))).status).toBe(200);
  });

  it('refuses a replayed jti', async () => {
    const assertion = await handMade();
    expect((await sendAssertion(assertion)).status).toBe(200);
    await expectRefused(assertion, /must only be used once/);
  });

  it('refuses an expired assertion', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectRefused(await handMade({ iat: now - 600, exp: now - 300 }), /jwt expired/);
  });

  it('refuses a wrong audience', async () => {
    await expectRefused(
      await handMade({ aud: 'https://another-server.example.test/oauth2/token' }),
      /audience \(aud\) must equal/,
    );
  });

  it('refuses an issuer that is not the client, and a signature by another key', async () => {
    await expectRefused(await handMade({ iss: 'someone-else' }), /iss \(JWT issuer\) must be the client_id/);
    const { privateKey: stranger } = await generateKeyPair('ES256');
    await expectRefused(await handMade({}, stranger), /signature verification failed|no matching key/);
  });

  it('client_secret_jwt: accepts HS256 over the client secret and refuses another secret', async () => {
    const claims = { iss: HMAC_CLIENT_ID, sub: HMAC_CLIENT_ID };
    const secret = new TextEncoder().encode(HMAC_SECRET);
    expect((await sendAssertion(await handMade(claims, secret, 'HS256'), HMAC_CLIENT_ID)).status).toBe(200);
    const wrong = new TextEncoder().encode(`${HMAC_SECRET}-old`);
    await expectRefused(
      await handMade(claims, wrong, 'HS256'),
      /signature verification failed/,
      HMAC_CLIENT_ID,
    );
  });
});
