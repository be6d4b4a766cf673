import {
  type AuthorizingFetch,
  authorizingFetch,
  type M2MAuthorizationHeaders,
  type M2MFetchInit,
} from './authorizing-fetch.js';
import { parseTokenClaims } from './claims.js';
import { type ClientAuthentication, clientAuthentication } from './client-auth.js';
import { type ResolvedConfig, resolveConfig } from './config.js';
import { DpopProver } from './dpop-proof.js';
import { Endpoint } from './endpoint.js';
import { M2MError, M2MErrorCode } from './errors.js';
import { Fleet } from './fleet.js';
import { notifyTokenRequest, notifyTokenResponse } from './hooks.js';
import { expiresAtOf, sharedUntil } from './lifetime.js';
import { defaultRequest, requestFor, sharedKeysOf, type TokenRequest } from './request.js';
import { revocationRequest } from './revocation.js';
import { SharedCache } from './shared-cache.js';
import { abortable, SingleFlight } from './single-flight.js';
import { type FlightOrder, type HeldToken, TokenStore } from './store.js';
import { tokenRequest } from './token-endpoint.js';
import type { M2MClientConfig, M2MTokenClaims, M2MTokenRequestOptions, M2MTokenResponse } from './types.js';

/** How long a fetch lock outlives one attempt's timeout, unless its holder extends it. */
const LOCK_MARGIN_MS = 2000;

const noRenewal = () => {};

/**
 * OAuth 2.0 Client Credentials client (RFC 6749 §4.4) for the Passflow token service: obtains, caches,
 * shares and renews access tokens, one request per token however many callers ask.
 *
 * @example
 * ```ts
 * const m2m = new M2MClient({
 *   url: process.env.PASSFLOW_URL!,
 *   clientId: process.env.M2M_CLIENT_ID!,
 *   clientSecret: process.env.M2M_CLIENT_SECRET!,
 *   scopes: ['users:read'],
 *   autoRefresh: true,
 * });
 * const { access_token } = await m2m.getToken();
 * ```
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc6749#section-4.4 | RFC 6749 §4.4}
 */
export class M2MClient {
  readonly #config: ResolvedConfig;
  readonly #default: TokenRequest;
  readonly #store: TokenStore;
  readonly #flights = new SingleFlight<HeldToken>();
  /** The protocol over the shared cache, when one is configured. */
  readonly #fleet: Fleet | undefined;
  readonly #endpoint: Endpoint;
  readonly #auth: ClientAuthentication;
  /** The DPoP proof key and nonces, with the `dpop` option. */
  readonly #dpop: DpopProver | undefined;
  #authorizing: AuthorizingFetch | undefined;

  /**
   * Checks the configuration and prepares the client; makes no request.
   * @param config - Client configuration: `url`, `clientId` and `clientSecret` are required.
   * @throws {@link M2MConfigError} naming the first bad field: `config` not an object; `url` missing, not
   *   an absolute `http:`/`https:` URL, with credentials, a query or a fragment, or plain `http:` to a host
   *   that is not loopback without `allowInsecureHttp`; an empty `clientId` or `clientSecret`; a scope that
   *   is not a scope token (RFC 6749 §3.3); an audience with white space; a `resource` that is not an
   *   absolute URI without fragment; `timeout` < 1, `refreshThreshold` or `retryDelay` < 0, `retries` not a
   *   whole number >= 0 (or any of them not a finite number); `autoRefresh` not a boolean; an unknown
   *   `authMethod`; a hook or `fetch` that is not a function; a `retryStrategy` without `shouldRetry` and
   *   `getDelay`; a `cache` without `get`, `set` and `delete`; a `dpop` that is neither `true` nor a
   *   usable private key (with its public key when it is a non-extractable CryptoKey) and algorithm.
   */
  constructor(config: M2MClientConfig) {
    const resolved = resolveConfig(config);
    const auth = clientAuthentication(config, resolved);
    this.#config = resolved;
    this.#auth = auth;
    const dpop = config.dpop === undefined ? undefined : new DpopProver(config.dpop);
    this.#dpop = dpop;
    this.#default = defaultRequest(resolved);
    // Without autoRefresh nothing is renewed ahead of time: no callback to hold per client.
    const renew = resolved.autoRefresh ? (held: HeldToken) => this.#renew(held) : noRenewal;
    this.#store = new TokenStore(resolved, this.#default.key, renew);
    this.#endpoint = new Endpoint(resolved, auth);
    this.#fleet =
      resolved.cache &&
      new Fleet(new SharedCache(resolved.cache, resolved.onCacheError), {
        keyOf: sharedKeysOf(resolved, () => auth.credentialKey(), dpop && (() => dpop.thumbprint())),
        sharedUntil: (token) => sharedUntil(token, resolved.autoRefresh, resolved.refreshThreshold),
        lockTtlMs: resolved.timeout + LOCK_MARGIN_MS,
        longestFetchMs: this.#endpoint.longestCallMs,
      });
  }

  /**
   * Request an access token: the cached one while it is valid, otherwise a new one. Concurrent
   * callers for the same scopes, audience and resource share one request. Network failures, timeouts,
   * 408, 429 and 5xx are retried (`retries`, `retryDelay`, `Retry-After`, or the `retryStrategy`).
   * @param options - Scopes, audience and resource for this token instead of the configured ones;
   *   `forceRefresh`; an `AbortSignal`.
   * @returns The token response, stamped with the local `issued_at`; never an expired token.
   * @throws {@link M2MError}, once retries are used up, with `code`:
   *   - `invalid_client`, `invalid_scope`, `invalid_grant`, `unauthorized_client`, `unsupported_grant_type`,
   *     `invalid_request`: the server refused the request (a 4xx other than 408 and 429; final, not retried);
   *   - `rate_limit_exceeded`: HTTP 429, or a `Retry-After` over 60 s (fails at once);
   *   - `server_error`: a 5xx, a redirect, or a 2xx that is not a valid token response;
   *   - `temporarily_unavailable`: a 503 or 408; with status 0, a network failure, an attempt that timed
   *     out, or `options.signal` aborted;
   *   - `invalid_request` with status 0: `options` hold a bad scope, audience or resource; or the `dpop`
   *     key does not sign with its algorithm or fit its public key (checked at the first request);
   *   - `invalid_client` with status 0: the `clientSecret` provider threw or rejected, or the `privateKey`
   *     could not be imported; nothing was sent.
   */
  getToken(options?: M2MTokenRequestOptions): Promise<M2MTokenResponse> {
    // The hot path: the default token, cached and not due for renewal. No allocation, no await.
    if (options === undefined) return this.#store.freshDefault() ?? this.#getToken(undefined);
    return this.#getToken(options);
  }

  /**
   * Get a valid token, automatically refreshing if needed: the same as `getToken()` without options.
   * Never returns an expired token.
   * @throws {@link M2MError} as {@link M2MClient.getToken} does.
   */
  getValidToken(): Promise<M2MTokenResponse> {
    return this.#store.freshDefault() ?? this.#getToken(undefined);
  }

  /**
   * The last token this client obtained or read from its cache, or null (none yet, or after
   * `clearCache()`). Synchronous, no I/O; it may have expired: check with `isTokenExpired()`.
   */
  getCachedToken(): M2MTokenResponse | null {
    return this.#store.last;
  }

  /**
   * Whether `token` (default: the cached one) is expired, or expires within `threshold` seconds.
   * Expiry is the local receive time plus `expires_in`. No token at all counts as expired.
   * @param token - The token to judge; `undefined` or `null`: the cached one.
   * @param threshold - Seconds before expiry from which the token counts as expired (default 0).
   */
  isTokenExpired(token?: M2MTokenResponse | null, threshold = 0): boolean {
    const subject = token ?? this.#store.last;
    if (!subject) return true;
    return Date.now() >= expiresAtOf(subject) - threshold * 1000;
  }

  /**
   * Decode the claims of a JWT access token (no signature check: that is the API's job). `aud` is
   * always an array; `scopes` comes from `scopes`, the RFC 9068 `scope` string, or `scp`.
   * @throws {@link M2MError} `invalid_request` with status 0 when `token` is not a JWT.
   * @see {@link https://www.rfc-editor.org/rfc/rfc9068#section-2.2 | RFC 9068 §2.2}
   */
  parseToken(token: string): M2MTokenClaims {
    return parseTokenClaims(token);
  }

  /**
   * Forget every cached token, here and in the shared cache, and stop background renewals; a client
   * secret from a provider is read again on the next request (after a rotation, the new one is used).
   * A request already in flight is not retried after it fails: its callers get `temporarily_unavailable`.
   */
  clearCache(): void {
    this.#store.clear();
    this.#flights.clear();
    this.#fleet?.clear();
    this.#auth.forget();
  }

  /**
   * Revoke the cached token (RFC 7009) and forget it; with several scope sets cached, every one of
   * their tokens, so that none stays valid once the client forgets it. Does nothing when no token is
   * cached. A token whose revocation fails stays cached, and the first failure is thrown once every
   * token was tried. A token obtained while the revocation runs is neither revoked nor forgotten.
   * Retried as token requests are.
   * @throws {@link M2MError}, once retries are used up: the server's refusal (`invalid_client` for bad
   *   credentials, `invalid_request` for a 400 without a known code), `rate_limit_exceeded`,
   *   `server_error`, or `temporarily_unavailable` (503; with status 0, a network failure or a timeout).
   * @see {@link https://www.rfc-editor.org/rfc/rfc7009#section-2.1 | RFC 7009 §2.1}
   */
  async revokeToken(): Promise<void> {
    const held = this.#store.entries();
    if (held.length === 0) return;
    const outcomes = await Promise.allSettled(
      held.map(({ token }) => this.#endpoint.call(revocationRequest(token.access_token))),
    );
    held.forEach((entry, i) => {
      if (outcomes[i]?.status === 'fulfilled' && this.#store.forget(entry)) {
        this.#fleet?.forget(entry.request.key);
      }
    });
    const failure = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failure) throw failure.reason;
  }

  /**
   * `fetch()` with this client's token: `Authorization: Bearer`, or `DPoP` and a proof of this request
   * (with the `dpop` option). `init` may also name `scopes`, `audience` or `resource`. After a 401 that asks
   * for a new token (`invalid_token`) or the server's DPoP nonce, the request is sent once more if its body
   * can be; any other response comes back as it came. Guide: docs/dpop-and-fetch.md.
   * @throws {@link M2MError} when no token can be had; what `fetch` itself throws (an abort, a network failure).
   * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-7 | RFC 9449 §7}
   */
  fetch(input: RequestInfo | URL, init?: M2MFetchInit): Promise<Response> {
    return this.#authorizer().fetch(input, init);
  }

  /**
   * The headers that authorize one request sent by another HTTP client (axios, got, ...): `authorization`,
   * and with a DPoP-bound token `dpop`, a proof of this method and URL, good for that one request.
   * @throws {@link M2MError} when no token can be had, or `url` is not absolute while a proof is needed.
   * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-7.1 | RFC 9449 §7.1}
   */
  authorizationHeaders(
    method: string,
    url: string | URL,
    options?: M2MTokenRequestOptions,
  ): Promise<M2MAuthorizationHeaders> {
    return this.#authorizer().authorizationHeaders(method, url, options);
  }

  /** Made on first use: most clients never send requests through the client. */
  #authorizer(): AuthorizingFetch {
    const { fetch } = this.#config;
    this.#authorizing ??= authorizingFetch({ getToken: (o) => this.getToken(o), dpop: this.#dpop, fetch });
    return this.#authorizing;
  }

  /** The token path past the hot path: request, memory, then a flight. */
  async #getToken(options: M2MTokenRequestOptions | undefined): Promise<M2MTokenResponse> {
    const request = options ? requestFor(options, this.#default) : this.#default;
    if (options?.forceRefresh) return this.#waitFor(this.#flight(request, true), options.signal);
    const held = this.#store.get(request.key);
    if (held) {
      const now = Date.now();
      if (now < held.expiresAt) {
        const token = this.#store.use(held);
        // Due for renewal (autoRefresh): callers keep the still-valid token meanwhile.
        if (now >= held.refreshAt) this.#renew(held);
        return token;
      }
    }
    return this.#waitFor(this.#flight(request, false), options?.signal);
  }

  async #waitFor(flight: Promise<HeldToken>, signal: AbortSignal | undefined): Promise<M2MTokenResponse> {
    try {
      return this.#store.use(await abortable(flight, signal));
    } catch (error) {
      if (error instanceof M2MError) throw error;
      const aborted = signal?.aborted === true;
      throw new M2MError({
        code: aborted ? M2MErrorCode.TemporarilyUnavailable : M2MErrorCode.InvalidRequest,
        status: 0,
        message: aborted
          ? 'Token request was aborted by the caller'
          : `Token request failed: ${error instanceof Error ? error.message : String(error)}`,
        cause: error,
      });
    }
  }

  /** One flight per key: concurrent callers of a request share it. */
  #flight(request: TokenRequest, force: boolean): Promise<HeldToken> {
    const forcedKey = `force:${request.key}`;
    // A plain caller joins a forced refresh in flight: its token is as fresh as a new one.
    const key = force || this.#flights.has(forcedKey) ? forcedKey : request.key;
    // Taken when the caller asks: the flight itself starts a moment later.
    const order = this.#store.order();
    return this.#flights.run(key, () => this.#obtain(request, force, order));
  }

  /** A token from the fleet (the shared cache) or the token endpoint, stored, then the hook told. */
  async #obtain(request: TokenRequest, force: boolean, order: FlightOrder): Promise<HeldToken> {
    let token: M2MTokenResponse;
    let fetched: M2MTokenResponse | undefined;
    if (this.#fleet) {
      const fetch = async () => {
        fetched = await this.#fetch(request, order);
        return fetched;
      };
      token = await this.#fleet.obtain(request.key, force, fetch, () => this.#store.isCurrent(order));
    } else {
      token = fetched = await this.#fetch(request, order);
    }
    const held = this.#store.keep(request, token, order);
    if (token === fetched) notifyTokenResponse(this.#config, token);
    return held;
  }

  /** One token from the token endpoint, with retries and a timeout per attempt. */
  #fetch(request: TokenRequest, order: FlightOrder): Promise<M2MTokenResponse> {
    return this.#endpoint.call(tokenRequest(request, this.#dpop), {
      onAttempt:
        this.#config.onTokenRequest && ((attempt) => notifyTokenRequest(this.#config, request, attempt)),
      // After clearCache() a failing request is not retried: its token would not be kept anyway.
      abandoned: () => !this.#store.isCurrent(order),
    });
  }

  /**
   * Renews a still-valid token without making anyone wait. A failure keeps the old token and tries
   * again later, but never past its expiry: then callers wait for a new one.
   */
  #renew(held: HeldToken): void {
    if (this.#flights.has(held.request.key)) return;
    this.#flight(held.request, false).catch(() => this.#store.renewalFailed(held));
  }
}
