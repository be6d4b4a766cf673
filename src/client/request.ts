import { checkAudience, checkResource, checkScopes, type ResolvedConfig } from './config.js';
import { M2MError, M2MErrorCode } from './errors.js';
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

/**
 * The request for `getToken(options)`; `fallback` is returned when the options change nothing.
 * @throws M2MError `invalid_request` naming the call's option when one is malformed
 */
export function requestFor(options: M2MTokenRequestOptions, fallback: TokenRequest): TokenRequest {
  const { scopes, audience, resource } = options;
  if (scopes === undefined && audience === undefined && resource === undefined) return fallback;
  return makeRequest(
    scopes === undefined ? fallback.scopes : callOption('scopes', checkScopes, scopes),
    audience === undefined ? fallback.audience : callOption('audience', checkAudience, audience),
    resource === undefined ? fallback.resource : callOption('resource', checkResource, resource),
  );
}

/** Runs a configuration check on an option of `getToken()`, naming the call in the error. */
function callOption<T>(
  name: 'scopes' | 'audience' | 'resource',
  check: (value: unknown, field: string) => T,
  value: unknown,
): T {
  try {
    return check(value, `options.${name}`);
  } catch (error) {
    // The checks name a configuration field ("M2MClientConfig.options.scopes[0] ..."): here it is the call's.
    const problem = error instanceof Error ? error.message.replace(/^M2MClientConfig\./, '') : String(error);
    throw new M2MError({
      code: M2MErrorCode.InvalidRequest,
      status: 0,
      message: `getToken({ ${name} }): ${problem}`,
      cause: error,
    });
  }
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
 * The key under which a token is stored in the shared cache: readable client id, then a SHA-256 over
 * everything that makes the token differ (server, client, credentials, scopes, audiences, resource, and
 * the DPoP key's thumbprint), so keys never hold the secret, a rotated secret misses, and a DPoP-bound
 * token is shared only with processes that hold its key. `credentialKey` comes from client authentication.
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-6.1 (tokens bound to a key thumbprint)
 */
export async function sharedCacheKey(
  config: ResolvedConfig,
  credentialKey: string,
  requestKey: string,
  dpopThumbprint?: string,
): Promise<string> {
  const parts = [config.baseUrl, config.clientId, credentialKey, requestKey];
  if (dpopThumbprint !== undefined) parts.push(`dpop:${dpopThumbprint}`);
  const material = JSON.stringify(parts);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(material)));
  return `passflow:m2m:${encodeURIComponent(config.clientId)}:${base64url(digest)}`;
}

/**
 * {@link sharedCacheKey} for the credentials in use, memoised for the current credentials only: a
 * rotation drops the keys of the old ones (and with them any trace of the old secret). With DPoP,
 * `dpopThumbprint` gives the proof key's thumbprint, which every key then covers.
 */
export function sharedKeysOf(
  config: ResolvedConfig,
  credentialKey: () => Promise<string>,
  dpopThumbprint?: () => Promise<string>,
): (requestKey: string) => Promise<string> {
  let current: { credential: string; keys: Map<string, Promise<string>> } | undefined;
  return async (requestKey) => {
    const credential = await credentialKey();
    if (current?.credential !== credential) current = { credential, keys: new Map() };
    let key = current.keys.get(requestKey);
    if (!key) {
      key = dpopThumbprint
        ? dpopThumbprint().then((thumbprint) => sharedCacheKey(config, credential, requestKey, thumbprint))
        : sharedCacheKey(config, credential, requestKey);
      current.keys.set(requestKey, key);
    }
    return key;
  };
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}
