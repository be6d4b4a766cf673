import type { M2MError } from './errors.js';
import type { ClientSecret } from './secret-source.js';
import type { AssertionSigningAlgorithm, PrivateKeyInput } from './signing-key.js';

/**
 * How the client authenticates at the token endpoint: the client secret in the form
 * (`client_secret_post`) or in HTTP Basic (`client_secret_basic`), RFC 6749 §2.3.1; or a signed JWT
 * assertion, with the client's private key (`private_key_jwt`) or HMAC with the client secret
 * (`client_secret_jwt`), RFC 7523 §2.2 and OIDC Core §9.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-2.2
 * @see https://openid.net/specs/openid-connect-core-1_0.html#ClientAuthentication
 */
export type ClientAuthMethod =
  | 'client_secret_post'
  | 'client_secret_basic'
  | 'private_key_jwt'
  | 'client_secret_jwt';

/**
 * M2M Client configuration options
 */
export type M2MClientConfig = {
  /** Passflow server URL; the token endpoint is `{url}/oauth2/token`. `https:` unless loopback. */
  url: string;

  /** M2M application client ID */
  clientId: string;

  /**
   * M2M application client secret, or a function that reads it (a vault, a mounted file): read on the
   * first token request and kept, read again after `clearCache()`, and once more when the server
   * refuses it as `invalid_client` (the request is then sent once more if the value changed). Required
   * by every `authMethod` except `'private_key_jwt'`.
   */
  clientSecret?: ClientSecret;

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

  /**
   * The private key of `'private_key_jwt'`: a `CryptoKey`, a Node.js `KeyObject`, a private JWK or a
   * PKCS#8 PEM string. Never sent: it signs a short-lived assertion for every request (RFC 7523 §2.2).
   * @see https://www.rfc-editor.org/rfc/rfc7523#section-2.2
   */
  privateKey?: PrivateKeyInput;

  /** The `kid` header of the assertions, naming the key among those the server knows for the client. */
  privateKeyId?: string;

  /**
   * The JWS algorithm of the assertions. Default: from the key for `'private_key_jwt'` (RS256 for RSA,
   * PS256 for RSA-PSS, ES256/ES384/ES512 for P-256/P-384/P-521, EdDSA for Ed25519, or the JWK's `alg`);
   * HS256 for `'client_secret_jwt'`. An algorithm the key cannot sign with is refused by the constructor.
   * @see https://www.rfc-editor.org/rfc/rfc7518#section-3.1
   */
  signingAlgorithm?: AssertionSigningAlgorithm;

  /**
   * The `aud` of the assertions: the token endpoint URL (`'token_endpoint'`, the default, RFC 7523 §3),
   * or the server's URL, its issuer identifier (`'issuer'`, as draft rfc7523bis and FAPI 2.0 ask).
   * @see https://www.rfc-editor.org/rfc/rfc7523#section-3
   */
  assertionAudience?: 'token_endpoint' | 'issuer';

  /** Shared token cache: tokens (and, with `lock`, their fetches) shared between processes */
  cache?: M2MTokenCache;

  /** Permit a plain `http:` URL to a non-loopback host. Credentials then cross the network in clear. */
  allowInsecureHttp?: boolean;

  /** The fetch implementation to use (default: globalThis.fetch) */
  fetch?: typeof fetch;

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

  /** Token type (always "Bearer") */
  token_type: 'Bearer';

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
