import type { M2MDpopConfig } from './dpop-key.js';
import type { M2MError } from './errors.js';

/** How the client authenticates at the token endpoint (RFC 6749 §2.3.1). */
export type ClientAuthMethod = 'client_secret_post' | 'client_secret_basic';

/**
 * M2M Client configuration options
 */
export type M2MClientConfig = {
  /** Passflow server URL; the token endpoint is `{url}/oauth2/token`. `https:` unless loopback. */
  url: string;

  /** M2M application client ID */
  clientId: string;

  /** M2M application client secret */
  clientSecret: string;

  /** Scopes to request (default: []) */
  scopes?: string[];

  /** Target audiences for the token (default: []) */
  audience?: string[];

  /** Target resource server URI (RFC 8707) */
  resource?: string;

  /** Automatically refresh tokens before expiry (default: false) */
  autoRefresh?: boolean;

  /** Seconds before expiry to trigger refresh (default: 30) */
  refreshThreshold?: number;

  /** Request timeout in milliseconds, per attempt (default: 10000) */
  timeout?: number;

  /** Number of retries after the first attempt (default: 3) */
  retries?: number;

  /** First delay between retries in milliseconds; later ones grow exponentially (default: 1000) */
  retryDelay?: number;

  /** Custom retry strategy: replaces the retry decision and the delay */
  retryStrategy?: RetryStrategy;

  /** Client authentication method (default: 'client_secret_post') */
  authMethod?: ClientAuthMethod;

  /** Shared token cache: tokens (and, with `lock`, their fetches) shared between processes */
  cache?: M2MTokenCache;

  /** Permit a plain `http:` URL to a non-loopback host. Credentials then cross the network in clear. */
  allowInsecureHttp?: boolean;

  /** The fetch implementation to use (default: globalThis.fetch), for token requests and `m2m.fetch()` */
  fetch?: typeof fetch;

  /**
   * Sender-constrained tokens (DPoP): every token request carries a proof signed with this key, and
   * tokens come bound to it. `true` generates an ES256 key pair at first use, its private key not
   * extractable. Default: off.
   * @see https://www.rfc-editor.org/rfc/rfc9449
   */
  dpop?: M2MDpopConfig;

  /** Callback for token requests (for logging/metrics) */
  onTokenRequest?: (request: M2MTokenRequestInfo) => void;

  /** Callback for token responses (for logging/metrics); `access_token` is redacted */
  onTokenResponse?: (response: M2MTokenResponse) => void;

  /** Callback when the shared cache fails or times out; the client then goes on as on a cache miss */
  onCacheError?: (error: M2MCacheError) => void;
};

/**
 * Token request options
 */
export type M2MTokenRequestOptions = {
  /** Override default scopes */
  scopes?: string[];

  /** Override default audience */
  audience?: string[];

  /** Override default resource (RFC 8707) */
  resource?: string;

  /** Force a new token request, ignoring cache */
  forceRefresh?: boolean;

  /** Stop waiting for the token when this signal aborts */
  signal?: AbortSignal;
};

/**
 * OAuth 2.0 token response
 */
export type M2MTokenResponse = {
  /** The access token */
  access_token: string;

  /**
   * Token type: "Bearer", or "DPoP" for a token bound to the client's DPoP key (RFC 9449 §5). With
   * `dpop` configured, "Bearer" means that the server did not bind the token: it is sent as a bearer token.
   */
  token_type: 'Bearer' | 'DPoP';

  /** Token lifetime in seconds */
  expires_in: number;

  /** Granted scopes (space-separated) */
  scope?: string;

  /** Timestamp when token was issued: seconds since the epoch, by the local clock at receipt */
  issued_at?: number;
};

/**
 * Parsed M2M JWT token claims
 */
export type M2MTokenClaims = {
  /** Issuer (Passflow server URL) */
  iss: string;

  /** Subject (client_id) */
  sub: string;

  /** Audience (target APIs) */
  aud: string[];

  /** Issued at timestamp */
  iat: number;

  /** Expiration timestamp */
  exp: number;

  /** Token type ("m2m") */
  type: 'm2m';

  /** Client ID */
  client_id: string;

  /** Tenant ID (for tenant-scoped M2M apps) */
  tenant_id?: string;

  /** Granted scopes */
  scopes: string[];

  /** Any further claims of the token */
  [claim: string]: unknown;
};

/**
 * What the `onTokenRequest` hook receives: metadata of one attempt, never credentials.
 */
export type M2MTokenRequestInfo = {
  /** Token endpoint URL */
  url: string;
  clientId: string;
  scopes: string[];
  audience: string[];
  resource?: string;
  authMethod: ClientAuthMethod;
  /** 1 for the first attempt, 2 for the first retry, ... */
  attempt: number;
};

/**
 * Shared token cache interface: what `M2MClientConfig.cache` implements (Redis: `@passflow/core/redis`)
 */
export interface M2MTokenCache {
  /** Get cached token */
  get(key: string): Promise<M2MTokenResponse | null>;

  /** Cache a token with TTL (seconds) */
  set(key: string, token: M2MTokenResponse, ttl: number): Promise<void>;

  /** Delete cached token */
  delete(key: string): Promise<void>;

  /**
   * Optional: take the fetch lock of `key` across processes for `ttlMs`. Resolves to a function that
   * releases it, or to `null` while another process holds it. With it, processes sharing the cache
   * make one token request per key: the others wait for the holder's token to appear.
   */
  lock?(key: string, ttlMs: number): Promise<M2MCacheLockRelease | null>;
}

/**
 * Releases a fetch lock. With `extend`, the holder keeps the lock for another `ttlMs` while its request
 * is still retrying (resolving to false when it no longer holds it), so the lock can stay short and
 * still cover a slow fetch: a holder that dies stops extending it.
 */
export type M2MCacheLockRelease = (() => Promise<void>) & {
  extend?: (ttlMs: number) => Promise<boolean>;
};

/** The shared cache failed or timed out; the client treated it as a miss. */
export type M2MCacheError = {
  operation: 'get' | 'set' | 'delete' | 'lock';
  error: Error;
};

/**
 * Custom retry strategy interface
 */
export interface RetryStrategy {
  /** Determine if request should be retried; `attempt` is 0 before the first retry */
  shouldRetry(error: M2MError, attempt: number): boolean;

  /** Get delay before next retry in milliseconds; `attempt` is 0 before the first retry */
  getDelay(attempt: number): number;
}
