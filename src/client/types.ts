import type { M2MDpopConfig } from './dpop-key.js';
import type { M2MError } from './errors.js';
import type { ClientSecret } from './secret-source.js';
import type { AssertionSigningAlgorithm, PrivateKeyInput } from './signing-key.js';

/**
 * How the client authenticates at the token and revocation endpoints.
 * - `'client_secret_post'` (the default, what Passflow serves): `client_id` and `client_secret` in the form body.
 * - `'client_secret_basic'`: HTTP Basic with the client id and secret each form-urlencoded first.
 * - `'client_secret_jwt'`: a JWT assertion, HMAC-signed with the client secret (OIDC Core §9).
 * - `'private_key_jwt'`: a JWT assertion signed with the client's private key; no secret (RFC 7523 §2.2).
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1 | RFC 6749 §2.3.1}
 * @see {@link https://www.rfc-editor.org/rfc/rfc7523#section-2.2 | RFC 7523 §2.2}
 * @see {@link https://openid.net/specs/openid-connect-core-1_0.html#ClientAuthentication | OIDC Core §9}
 */
export type ClientAuthMethod =
  | 'client_secret_post'
  | 'client_secret_basic'
  | 'private_key_jwt'
  | 'client_secret_jwt';

/**
 * What `new M2MClient(config)` takes. Only `url`, `clientId` and `clientSecret` (or, with
 * `private_key_jwt`, `privateKey`) are required; the
 * constructor checks every field and throws an {@link M2MConfigError} naming the first bad one.
 */
export type M2MClientConfig = {
  /**
   * The Passflow server: the token endpoint is `{url}/oauth2/token`, revocation `{url}/oauth2/revoke`
   * (a trailing slash is harmless). Must be `https:`, except for loopback hosts (`localhost`,
   * `127.0.0.0/8`, `[::1]`) or with {@link M2MClientConfig.allowInsecureHttp}; no credentials, query or fragment.
   */
  url: string;

  /** The M2M application's client id (non-empty). */
  clientId: string;

  /**
   * The M2M application's client secret (non-empty), or a function that reads it (a vault, a mounted
   * file): read on the first token request and kept, read again after `clearCache()`, and once more
   * when the server refuses it as `invalid_client` (the request is then sent once more if the value
   * changed). Kept in a private field: it never appears in an error, a hook payload, a cache key or
   * `util.inspect` output. Required by every `authMethod` except `'private_key_jwt'`.
   */
  clientSecret?: ClientSecret;

  /**
   * Scopes to request, sent space-separated as `scope`. Default: none. Each must be a scope token
   * (RFC 6749 §3.3: printable ASCII without space, `"` or `\`). Order and duplicates do not matter.
   */
  scopes?: string[];

  /** Audiences to request, sent space-separated as `audience`. Default: none. No white space inside one. */
  audience?: string[];

  /** The target resource server, sent as `resource` (RFC 8707): an absolute URI without fragment. Default: none. */
  resource?: string;

  /**
   * Renew a token ahead of its expiry while callers keep getting the still-valid one. Default: `false`
   * (a token is served until it expires, then the next caller waits for a new one).
   */
  autoRefresh?: boolean;

  /**
   * With `autoRefresh`, how many seconds before expiry a token is renewed (a little jitter is added;
   * never more than half the token's lifetime). Default: `30`. A finite number >= 0.
   */
  refreshThreshold?: number;

  /** Milliseconds each attempt may take before it is aborted. Default: `10000`. A finite number >= 1. */
  timeout?: number;

  /**
   * Retries after the first attempt (3 means up to 4 attempts), for network failures, timeouts, 408,
   * 429 and 5xx; never for other 4xx. Default: `3`. A whole number >= 0.
   */
  retries?: number;

  /**
   * The first backoff in milliseconds; each later one doubles, with jitter, up to 30 s. A `Retry-After`
   * of up to 60 s wins over it. Default: `1000`. A finite number >= 0.
   */
  retryDelay?: number;

  /** Replaces the retry decision and the delay (then up to 20 retries, each delay capped at 60 s). Default: none. */
  retryStrategy?: RetryStrategy;

  /** How the client authenticates. Default: `'client_secret_post'`. */
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

  /**
   * The shared cache: tokens (and, with `lock`, their fetches) shared between processes (Redis:
   * `createRedisTokenCache` from `@passflow/core/redis`). Default: none; every client always keeps its
   * tokens in memory as well.
   */
  cache?: M2MTokenCache;

  /**
   * Permit a plain `http:` URL to a host that is not loopback. The client secret then crosses the
   * network in clear. Default: `false`.
   */
  allowInsecureHttp?: boolean;

  /** The fetch implementation (proxies, instrumentation), for token requests and `m2m.fetch()`. Default: `globalThis.fetch`. */
  fetch?: typeof fetch;

  /**
   * Sender-constrained tokens (DPoP): every token request carries a proof signed with this key, and
   * tokens come bound to it. `true` generates an ES256 key pair at first use, its private key not
   * extractable. Default: off.
   * @see {@link https://www.rfc-editor.org/rfc/rfc9449 | RFC 9449}
   */
  dpop?: M2MDpopConfig;

  /** Called before every attempt of a token request, with metadata only (never credentials). A hook that throws is ignored. */
  onTokenRequest?: (request: M2MTokenRequestInfo) => void;

  /** Called with every token response received, `access_token` replaced by `'[redacted]'`. A hook that throws is ignored. */
  onTokenResponse?: (response: M2MTokenResponse) => void;

  /** Called when the shared cache fails or takes over 1 s; the client then goes on as on a cache miss. */
  onCacheError?: (error: M2MCacheError) => void;
};

/**
 * Per-call options of {@link M2MClient.getToken}. A token is cached per set of scopes, audiences and
 * resource, so different options get (and keep) different tokens.
 */
export type M2MTokenRequestOptions = {
  /** Scopes for this token instead of the configured ones (checked as {@link M2MClientConfig.scopes}). */
  scopes?: string[];

  /** Audiences for this token instead of the configured ones. */
  audience?: string[];

  /** Resource (RFC 8707) for this token instead of the configured one. */
  resource?: string;

  /** Request a new token even when a valid one is cached; concurrent forced callers share one request. */
  forceRefresh?: boolean;

  /**
   * Stop waiting when this signal aborts: the call rejects with `temporarily_unavailable` (status 0),
   * while other callers sharing the request still get the token.
   */
  signal?: AbortSignal;
};

/**
 * A validated access token response (RFC 6749 §5.1), as the client returns it.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc6749#section-5.1 | RFC 6749 §5.1}
 */
export type M2MTokenResponse = {
  /** The access token: put it in `Authorization: Bearer …` (a `'DPoP'` one: `DPoP …` with a proof, as `m2m.fetch()` does). */
  access_token: string;

  /**
   * `'Bearer'`, or `'DPoP'` for a token bound to the client's DPoP key (the server's spelling is
   * normalised; anything else is refused as `server_error`). With `dpop` configured, `'Bearer'` means that
   * the server did not bind the token: it is then sent as a bearer token.
   * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-5 | RFC 9449 §5}
   */
  token_type: 'Bearer' | 'DPoP';

  /** Lifetime in seconds, from 1 to a year (whole seconds). */
  expires_in: number;

  /** Granted scopes, space-separated, when the server sent them (RFC 6749 §5.1: absent means as requested). */
  scope?: string;

  /**
   * When the client received the token: seconds since the epoch, by the local clock. Expiry is
   * `issued_at + expires_in` (never the JWT `exp`: server clocks drift).
   */
  issued_at?: number;
};

/**
 * The claims of a JWT access token, as {@link M2MClient.parseToken} decodes them (without verifying the
 * signature). What RFC 9068 §2.2 requires of a JWT access token is required here, and is always the
 * token's own value: a token that lacks one of these claims, or has one of the wrong type, makes
 * `parseToken()` throw an `M2MError` (`invalid_request`) naming it, never a made-up `''` or `0`.
 * `aud` and `scopes` are normalised.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc9068#section-2.2 | RFC 9068 §2.2}
 */
export type M2MTokenClaims = {
  /** Issuer: the Passflow server URL. */
  iss: string;

  /** Subject: for a client credentials token, the client. */
  sub: string;

  /** Audiences (the APIs the token is for); always an array, also when the token has one string. */
  aud: string[];

  /** Issued at, seconds since the epoch, by the server's clock. */
  iat: number;

  /** Expires at, seconds since the epoch, by the server's clock. */
  exp: number;

  /** Client id: the token's `client_id` claim. */
  client_id: string;

  /** Unique identifier of the token. */
  jti: string;

  /** Token type: `'m2m'` on Passflow M2M tokens; a Passflow claim, absent from other servers' tokens. */
  type?: string;

  /** Tenant id, for tenant-scoped M2M apps. */
  tenant_id?: string;

  /** Granted scopes: from a `scopes` array, else the RFC 9068 `scope` string, else `scp`; `[]` when none. */
  scopes: string[];

  /** Any further claims of the token, as they are. */
  [claim: string]: unknown;
};

/**
 * What the `onTokenRequest` hook receives: metadata of one attempt, never credentials.
 */
export type M2MTokenRequestInfo = {
  /** The token endpoint URL. */
  url: string;
  /** The client id (not a secret). */
  clientId: string;
  /** The scopes requested, sorted. */
  scopes: string[];
  /** The audiences requested, sorted. */
  audience: string[];
  /** The resource requested (RFC 8707), when there is one. */
  resource?: string;
  /** How the client authenticates. */
  authMethod: ClientAuthMethod;
  /** 1 for the first attempt, 2 for the first retry, … */
  attempt: number;
};

/**
 * The shared cache: what `M2MClientConfig.cache` implements, a token cache shared beyond one client
 * (across processes, say). Keys are opaque strings made by the client: a readable prefix and a SHA-256
 * over server, client, secret and request, never the secret. Each call has 1 s: a call that throws,
 * rejects or takes longer counts as a miss and is reported to `onCacheError`. `createRedisTokenCache`
 * (from `@passflow/core/redis`) implements it on Redis.
 */
export interface M2MTokenCache {
  /** The token stored under `key`, or `null`. */
  get(key: string): Promise<M2MTokenResponse | null>;

  /** Store `token` under `key` for `ttl` seconds (until it is due for renewal; at least 1). */
  set(key: string, token: M2MTokenResponse, ttl: number): Promise<void>;

  /** Forget the token under `key` (`clearCache()`, `revokeToken()`). */
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
  /** Keep the lock another `ttlMs`; resolves to `false` when this holder no longer has it. */
  extend?: (ttlMs: number) => Promise<boolean>;
};

/** The shared cache failed or timed out; the client treated it as a miss. What `onCacheError` receives. */
export type M2MCacheError = {
  /** The cache call that failed. */
  operation: 'get' | 'set' | 'delete' | 'lock';
  /** What it threw or rejected with, or a timeout error after 1 s. */
  error: Error;
};

/**
 * Replaces the built-in retry policy: which failures are retried and after how long. The client
 * makes at most 20 retries with a strategy, and waits at most 60 s before one.
 */
export interface RetryStrategy {
  /** Whether to retry after `error`; `attempt` is 0 before the first retry. */
  shouldRetry(error: M2MError, attempt: number): boolean;

  /** Milliseconds to wait before the retry; `attempt` is 0 before the first retry. Non-finite or negative: no wait. */
  getDelay(attempt: number): number;
}
