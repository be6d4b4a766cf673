import { checkAudience, checkResource, checkScopes, type ResolvedConfig } from './config.js';
import type { M2MTokenRequestOptions } from './types.js';

/** What one token is requested for. Scopes and audiences are sorted sets, so equal sets share a token. */
export type TokenRequest = {
  readonly scopes: readonly string[];
  readonly audience: readonly string[];
  readonly resource: string | undefined;
  /** Identifies the token within one client: equal requests share a cached token and a flight. */
  readonly key: string;
};

export function defaultRequest(config: ResolvedConfig): TokenRequest {
  return makeRequest(config.scopes, config.audience, config.resource);
}

/** The request for `getToken(options)`; `fallback` is returned when the options change nothing. */
export function requestFor(options: M2MTokenRequestOptions, fallback: TokenRequest): TokenRequest {
  if (options.scopes === undefined && options.audience === undefined && options.resource === undefined)
    return fallback;
  return makeRequest(
    options.scopes === undefined ? fallback.scopes : checkScopes(options.scopes, 'options.scopes'),
    options.audience === undefined ? fallback.audience : checkAudience(options.audience, 'options.audience'),
    options.resource === undefined ? fallback.resource : checkResource(options.resource, 'options.resource'),
  );
}

function makeRequest(
  scopes: readonly string[],
  audience: readonly string[],
  resource: string | undefined,
): TokenRequest {
  return { scopes, audience, resource, key: JSON.stringify([scopes, audience, resource ?? null]) };
}

const encoder = new TextEncoder();

/**
 * The key under which a token is stored in a shared cache: readable client id, then a SHA-256 over
 * everything that makes the token differ (server, client, secret, scopes, audiences, resource), so keys
 * never hold the secret and a rotated secret misses.
 */
export async function sharedCacheKey(
  config: ResolvedConfig,
  clientSecret: string,
  requestKey: string,
): Promise<string> {
  const material = JSON.stringify([config.baseUrl, config.clientId, clientSecret, requestKey]);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(material)));
  return `passflow:m2m:${encodeURIComponent(config.clientId)}:${base64url(digest)}`;
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}
