// Helpers of the verifier tests: tokens from oidc-provider, DPoP proofs, and the refusal of a promise.
import { randomUUID } from 'node:crypto';
import {
  base64url,
  type CryptoKey,
  exportJWK,
  generateKeyPair,
  type JWK,
  type JWTHeaderParameters,
  type JWTPayload,
  SignJWT,
} from 'jose';
import { expect } from 'vitest';
import { M2MTokenVerificationError } from '../../src/verify/index.js';
import {
  type OidcProviderOptions,
  type OidcProviderServer,
  startOidcProvider,
} from '../support/oidc-provider.js';

/** The default accepted algorithms, as a DPoP challenge lists them (`algs`). */
export const DEFAULT_ALGS = 'RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519';

export type TestClient = { id: string; secret: string };

/** oidc-provider with one client_secret_post client allowed `scope`. */
export function startProviderFor(
  client: TestClient,
  scope: string,
  options: Partial<OidcProviderOptions> = {},
): Promise<OidcProviderServer> {
  return startOidcProvider({
    clients: [
      {
        client_id: client.id,
        client_secret: client.secret,
        token_endpoint_auth_method: 'client_secret_post',
        scope,
      },
    ],
    ...options,
  });
}

/** The error `promise` rejects with, asserted to be an M2MTokenVerificationError. */
export async function refusalOf(promise: Promise<unknown>): Promise<M2MTokenVerificationError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(M2MTokenVerificationError);
  return error as M2MTokenVerificationError;
}

/** How many times the provider's JWKS was fetched so far. */
export function jwksFetches(server: OidcProviderServer): number {
  return server.requests.filter((r) => r.method === 'GET' && r.path === '/.well-known/jwks.json').length;
}

export type DPoPKey = { privateKey: CryptoKey; publicJwk: JWK };

export async function dpopKey(alg = 'ES256'): Promise<DPoPKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { privateKey, publicJwk: await exportJWK(publicKey) };
}

export type ProofClaims = { htm: string; htu: string; accessToken?: string; iat?: number; jti?: string };

/** A DPoP proof (RFC 9449 §4.2); `header` overrides or extends the protected header. */
export async function dpopProof(
  key: DPoPKey,
  claims: ProofClaims,
  header: Record<string, unknown> = {},
): Promise<string> {
  const payload: Record<string, unknown> = {
    htm: claims.htm,
    htu: claims.htu,
    jti: claims.jti ?? randomUUID(),
    iat: claims.iat ?? Math.floor(Date.now() / 1000),
  };
  if (claims.accessToken !== undefined) payload.ath = await sha256(claims.accessToken);
  return new SignJWT(payload)
    .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: key.publicJwk, ...header })
    .sign(key.privateKey);
}

export async function sha256(text: string): Promise<string> {
  return base64url.encode(
    new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))),
  );
}

/** A client credentials token from the provider, DPoP-bound when `key` is given. */
export async function providerToken(
  server: OidcProviderServer,
  client: TestClient,
  scope: string,
  key?: DPoPKey,
): Promise<string> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (key) headers.dpop = await dpopProof(key, { htm: 'POST', htu: server.tokenEndpoint });
  const response = await fetch(server.tokenEndpoint, {
    method: 'POST',
    headers,
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: client.id,
      client_secret: client.secret,
      scope,
    }),
  });
  const body = (await response.json()) as { access_token?: string; token_type?: string };
  if (!response.ok || !body.access_token)
    throw new Error(`no token: ${response.status} ${JSON.stringify(body)}`);
  expect(body.token_type).toBe(key ? 'DPoP' : 'Bearer');
  return body.access_token;
}

/** The parts of a compact JWT, decoded; `encodeJwt` puts modified parts back together. */
export function jwtParts(token: string): {
  header: JWTHeaderParameters;
  payload: JWTPayload;
  signature: string;
} {
  const [header = '', payload = '', signature = ''] = token.split('.');
  const decode = (part: string) => JSON.parse(new TextDecoder().decode(base64url.decode(part)));
  return { header: decode(header) as JWTHeaderParameters, payload: decode(payload) as JWTPayload, signature };
}

export function encodeJwt(header: object, payload: object, signature: string): string {
  const encode = (part: object) => base64url.encode(JSON.stringify(part));
  return `${encode(header)}.${encode(payload)}.${signature}`;
}
