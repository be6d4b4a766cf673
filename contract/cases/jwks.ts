// The keys a resource server verifies tokens with: the server's JWK Set (where its RFC 8414 metadata
// says, or /.well-known/jwks.json) must verify the tokens it issues for the requested audience.
import { createRemoteJWKSet, decodeProtectedHeader, errors, type JWTPayload, jwtVerify } from 'jose';
import { type Checks, DOC } from '../checks.js';
import type { Case, Kit } from '../kit.js';
import { checkAudience, tokenIssued } from './token.js';

const SIGNED = `${DOC.rfc9068('4')} (the resource server verifies the signature with the issuer's keys)`;
const JWKS_SERVED = `${DOC.rfc8414('2')} (jwks_uri); RFC 7517 §5`;
const FOR_AUDIENCE = `${DOC.rfc9068('4')} (aud); ${DOC.spec} TokenRequest.audience`;
const TYP = 'typ at+jwt';
const SERVED = 'JWK Set served';
const VERIFIES = 'signature verifies with the JWK Set';
const AUDIENCE = 'aud holds the requested audience';
const CHECKS = [TYP, SERVED, VERIFIES, AUDIENCE];

export const JWKS_CASE: Case = {
  name: 'jwks',
  run: async (kit, checks) => {
    const outcome = await kit.token({ scopes: kit.scopes, audience: kit.audience });
    if (!tokenIssued(checks, outcome, 'token to verify', true)) return skipAll(checks, 'no token was issued');
    const token = outcome.token.access_token;
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      return skipAll(checks, 'the access token is opaque: it has no signature to verify');
    }
    const alg = String(header.alg);
    if (alg === 'none') {
      checks.fail('token signed', 'a signed JWT', 'alg "none": an unsigned token', DOC.rfc9068('2.1'));
      return skipAll(checks, 'the token is not signed');
    }
    if (/^HS/.test(alg)) {
      return skipAll(checks, `signed with ${alg}, a shared secret: a JWK Set publishes public keys only`);
    }
    checks.expect(
      header.typ === 'at+jwt' || header.typ === 'application/at+jwt',
      TYP,
      'typ "at+jwt"',
      `typ ${JSON.stringify(header.typ) ?? 'missing'}`,
      DOC.rfc9068('2.1'),
    );
    const jwks = await findJwks(kit);
    if (!jwks.found) {
      checks.fail(SERVED, 'a JWK Set (200, {"keys": [...]})', jwks.got, JWKS_SERVED);
      for (const name of CHECKS.slice(2)) checks.notApplicable(name, 'no JWK Set', SIGNED);
      return;
    }
    checks.pass(SERVED, jwks.got, JWKS_SERVED);
    let claims: JWTPayload;
    try {
      const keys = createRemoteJWKSet(new URL(jwks.url), { timeoutDuration: kit.timeout });
      claims = (await jwtVerify(token, keys)).payload;
    } catch (error) {
      checks.fail(VERIFIES, `a key verifying the ${alg} signature`, whyNot(error, header.kid), SIGNED);
      checks.notApplicable(AUDIENCE, 'the signature does not verify', FOR_AUDIENCE);
      return;
    }
    checks.pass(VERIFIES, `${alg}, kid ${JSON.stringify(header.kid) ?? 'none'}`, SIGNED);
    if (kit.audience.length === 0) {
      checks.notApplicable(AUDIENCE, 'no audience requested (--audience)', FOR_AUDIENCE);
      return;
    }
    checkAudience(checks, AUDIENCE, kit.audience, claims, FOR_AUDIENCE);
  },
};

function skipAll(checks: Checks, reason: string): void {
  for (const name of CHECKS) checks.notApplicable(name, reason, SIGNED);
}

/**
 * The JWK Set URL: the `jwks_uri` of the server's RFC 8414 metadata when it serves some, else
 * /.well-known/jwks.json; and whether a JWK Set is there.
 */
async function findJwks(kit: Kit): Promise<{ found: boolean; url: string; got: string }> {
  const metadata = await getJson(`${kit.serverUrl}/.well-known/oauth-authorization-server`, kit.timeout);
  const listed = (metadata.body as { jwks_uri?: unknown } | undefined)?.jwks_uri;
  const [url, where] =
    typeof listed === 'string'
      ? [listed, 'the jwks_uri of the RFC 8414 metadata']
      : [`${kit.serverUrl}/.well-known/jwks.json`, 'the default location (no RFC 8414 metadata)'];
  const jwks = await getJson(url, kit.timeout);
  const keys = (jwks.body as { keys?: unknown } | undefined)?.keys;
  if (jwks.status === 200 && Array.isArray(keys)) {
    return { found: true, url, got: `${keys.length} keys at ${url}, ${where}` };
  }
  const got =
    jwks.status === 200 ? `200 without a "keys" array at ${url}` : `${jwks.status || jwks.error} at ${url}`;
  return { found: false, url, got: `${got}, ${where}` };
}

async function getJson(
  url: string,
  timeout: number,
): Promise<{ status: number; body?: unknown; error?: string }> {
  try {
    const response = await fetch(url, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(timeout),
    });
    const text = await response.text();
    try {
      return { status: response.status, body: JSON.parse(text) };
    } catch {
      return { status: response.status };
    }
  } catch (error) {
    return { status: 0, error: `no answer (${error instanceof Error ? error.message : String(error)})` };
  }
}

/** Why jose did not verify the token, in the report's words. */
function whyNot(error: unknown, kid: string | undefined): string {
  if (error instanceof errors.JWKSNoMatchingKey)
    return `no key of the JWK Set matches kid ${JSON.stringify(kid)}`;
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return 'a signature no key of the JWK Set verifies';
  if (error instanceof errors.JWTExpired) return 'a token that has already expired';
  return error instanceof Error ? error.message : String(error);
}
