import { parseTokenClaims } from './claims.js';
import { type ResolvedConfig, resolveConfig } from './config.js';
import { M2MError, M2MErrorCode } from './errors.js';
import { expiresAtOf, type HeldToken, holdToken, refreshLead } from './lifetime.js';
import { defaultRequest, requestFor, sharedCacheKey, type TokenRequest } from './request.js';
import { MAX_RETRY_WAIT_MS, MAX_STRATEGY_RETRIES, type RetryPolicy, withRetries } from './retry.js';
import { revokeAccessToken } from './revocation.js';
import { SharedCache } from './shared-cache.js';
import { abortable, SingleFlight } from './single-flight.js';
import { type Credentials, requestToken } from './token-endpoint.js';
import { type Transport, transportFor } from './transport.js';
import type {
  M2MClientConfig,
  M2MTokenClaims,
  M2MTokenRequestInfo,
  M2MTokenRequestOptions,
  M2MTokenResponse,
} from './types.js';

/** After a failed background renewal, the next try waits this long (or half the remaining lifetime). */
const RENEWAL_RETRY_MS = 5000;
/** How often a process waiting on another's fetch looks for the token in the shared cache. */
const PEER_POLL_MS = 50;
/** setTimeout's largest delay; longer waits are taken in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** When a flight was asked for: the cache generation then, and its number among the client's flights. */
type FlightOrder = { readonly generation: number; readonly flight: number };

type Hooks = {
  onTokenRequest: M2MClientConfig['onTokenRequest'] | undefined;
  onTokenResponse: M2MClientConfig['onTokenResponse'] | undefined;
};

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
  readonly #credentials: Credentials;
  readonly #transport: Transport;
  readonly #retry: RetryPolicy;
  readonly #shared: SharedCache | undefined;
  readonly #hooks: Hooks;
  readonly #default: TokenRequest;
  readonly #held = new Map<string, HeldToken>();
  /** The entry of #held for the default request, read by the hot path without a map lookup. */
  #defaultHeld: HeldToken | undefined;
  readonly #flights = new SingleFlight<HeldToken>();
  /** Created on first use: most clients never use a shared cache. */
  #sharedKeys: Map<string, Promise<string>> | undefined;
  #lastToken: M2MTokenResponse | null = null;
  /** Bumped by clearCache(): results of flights started before it are not stored. */
  #generation = 0;
  /** Numbers the flights, so that a slow, older flight cannot replace a newer token. */
  #flightsAsked = 0;

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
   *   `getDelay`; a `cache` without `get`, `set` and `delete`.
   */
  constructor(config: M2MClientConfig) {
    this.#config = resolveConfig(config);
    this.#credentials = {
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      authMethod: this.#config.authMethod,
    };
    this.#transport = transportFor(this.#config.baseUrl, config.fetch ?? globalThis.fetch);
    this.#retry = {
      retries: this.#config.retries,
      retryDelay: this.#config.retryDelay,
      strategy: config.retryStrategy,
    };
    this.#shared = config.cache && new SharedCache(config.cache, config.onCacheError);
    this.#hooks = { onTokenRequest: config.onTokenRequest, onTokenResponse: config.onTokenResponse };
    this.#default = defaultRequest(this.#config);
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
   *   - `invalid_request` with status 0: `options` hold a bad scope, audience or resource.
   */
  getToken(options?: M2MTokenRequestOptions): Promise<M2MTokenResponse> {
    // The hot path: the default token, cached and not due for renewal. No allocation, no await.
    if (options === undefined) {
      const held = this.#defaultHeld;
      if (held !== undefined && Date.now() < held.refreshAt) {
        held.used = true;
        return held.settled;
      }
    }
    return this.#getToken(options);
  }

  async #getToken(options: M2MTokenRequestOptions | undefined): Promise<M2MTokenResponse> {
    const request = options ? this.#requestFor(options) : this.#default;
    if (options?.forceRefresh) return this.#waitFor(this.#flight(request, true), options.signal);
    const held = this.#held.get(request.key);
    if (held) {
      const now = Date.now();
      if (now < held.refreshAt) {
        held.used = true;
        return held.token;
      }
      if (now < held.expiresAt) {
        held.used = true;
        this.#renewInBackground(request, held);
        return held.token;
      }
    }
    return this.#waitFor(this.#flight(request, false), options?.signal);
  }

  /**
   * Get a valid token, automatically refreshing if needed: the same as `getToken()` without options.
   * Never returns an expired token.
   * @throws {@link M2MError} as {@link M2MClient.getToken} does.
   */
  getValidToken(): Promise<M2MTokenResponse> {
    return this.getToken();
  }

  /**
   * The last token this client obtained or read from its cache, or null (none yet, or after
   * `clearCache()`). Synchronous, no I/O; it may have expired: check with `isTokenExpired()`.
   */
  getCachedToken(): M2MTokenResponse | null {
    return this.#lastToken;
  }

  /**
   * Whether `token` (default: the cached one) is expired, or expires within `threshold` seconds.
   * Expiry is the local receive time plus `expires_in`. No token at all counts as expired.
   * @param token - The token to judge; `undefined` or `null`: the cached one.
   * @param threshold - Seconds before expiry from which the token counts as expired (default 0).
   */
  isTokenExpired(token?: M2MTokenResponse | null, threshold = 0): boolean {
    const subject = token ?? this.#lastToken;
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
   * Forget every cached token, here and in the custom cache, and stop background renewals. A request
   * already in flight is not retried after it fails: its callers get `temporarily_unavailable`.
   */
  clearCache(): void {
    this.#generation++;
    this.#flights.clear();
    for (const held of this.#held.values()) clearTimeout(held.renewal);
    const shared = this.#shared;
    if (shared && this.#sharedKeys) {
      // Every key this client used, so that a token a flight published just before the clear goes too.
      for (const sharedKey of this.#sharedKeys.values()) void sharedKey.then((key) => shared.delete(key));
    }
    this.#held.clear();
    this.#defaultHeld = undefined;
    this.#lastToken = null;
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
    const held = [...this.#held];
    if (held.length === 0) return;
    const outcomes = await Promise.allSettled(held.map(([, { token }]) => this.#revoke(token.access_token)));
    held.forEach(([key, entry], i) => {
      if (outcomes[i]?.status === 'fulfilled') this.#forget(key, entry);
    });
    const failure = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failure) throw failure.reason;
  }

  #revoke(accessToken: string): Promise<void> {
    return withRetries(this.#retry, () =>
      this.#withTimeout((signal) =>
        revokeAccessToken(this.#transport, this.#credentials, accessToken, signal, this.#config.timeout),
      ),
    );
  }

  /**
   * Drops a cached token: from memory, with its renewal timer, and from the custom cache. A token that
   * replaced it meanwhile (a renewal during its revocation) stays.
   */
  #forget(requestKey: string, held: HeldToken): void {
    if (this.#held.get(requestKey) !== held) return;
    clearTimeout(held.renewal);
    this.#held.delete(requestKey);
    if (this.#defaultHeld === held) this.#defaultHeld = undefined;
    if (this.#lastToken === held.token) this.#lastToken = null;
    const shared = this.#shared;
    if (shared) void this.#sharedKeyOf(requestKey).then((key) => shared.delete(key));
  }

  #requestFor(options: M2MTokenRequestOptions): TokenRequest {
    try {
      return requestFor(options, this.#default);
    } catch (error) {
      throw new M2MError({
        code: M2MErrorCode.InvalidRequest,
        status: 0,
        message: error instanceof Error ? error.message : String(error),
        cause: error,
      });
    }
  }

  async #waitFor(flight: Promise<HeldToken>, signal: AbortSignal | undefined): Promise<M2MTokenResponse> {
    try {
      const held = await abortable(flight, signal);
      held.used = true;
      return held.token;
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

  #flight(request: TokenRequest, force: boolean): Promise<HeldToken> {
    const forcedKey = `force:${request.key}`;
    // A plain caller joins a forced refresh in flight: its token is as fresh as a new one.
    const key = force || this.#flights.has(forcedKey) ? forcedKey : request.key;
    // Taken when the caller asks: the flight itself starts a moment later.
    const order: FlightOrder = { generation: this.#generation, flight: ++this.#flightsAsked };
    return this.#flights.run(key, () => this.#obtain(request, force, order));
  }

  /** A token from the shared cache when another process has one, otherwise from the token endpoint. */
  async #obtain(request: TokenRequest, force: boolean, order: FlightOrder): Promise<HeldToken> {
    const shared = this.#shared;
    if (!shared) return this.#keep(request, await this.#fetch(request, order), order);

    const key = await this.#sharedKeyOf(request.key);
    if (!force) {
      const peer = await this.#usableShared(shared, key);
      if (peer) return this.#keep(request, peer, order);
    }
    if (shared.canLock) {
      const peer = await this.#fetchUnderLock(shared, key, request, force, order);
      if (peer) return this.#keep(request, peer, order);
    }
    const token = await this.#fetch(request, order);
    await this.#publish(shared, key, token, order);
    return this.#keep(request, token, order);
  }

  /**
   * Cross-process single flight: the process that takes the lock fetches and publishes the token,
   * extending the lock while it retries when the cache can; the others poll the shared cache until
   * the token appears, or take the lock over once its holder has released it without a token or died
   * and let it lapse. Resolves to undefined when locking fails or the wait runs out, so the caller
   * fetches by itself.
   */
  async #fetchUnderLock(
    shared: SharedCache,
    key: string,
    request: TokenRequest,
    force: boolean,
    order: FlightOrder,
  ): Promise<M2MTokenResponse | undefined> {
    const lockTtl = this.#config.timeout + 2000;
    const startedAt = Date.now();
    // A holder keeps the lock while it retries: wait as long as its fetch may take, and for a dead
    // holder's lock to lapse.
    const waitUntil = startedAt + this.#longestFetchMs() + 2 * lockTtl;
    // A forced refresh takes only a token issued after it started.
    const acceptable = (token: M2MTokenResponse | null) =>
      token && (!force || (token.issued_at ?? 0) >= Math.floor(startedAt / 1000)) ? token : undefined;
    while (Date.now() < waitUntil) {
      const lock = await shared.lock(key, lockTtl);
      if (lock === undefined) return undefined;
      if (lock) {
        const stopKeepAlive = lock.keepAlive(lockTtl);
        try {
          const peer = force ? undefined : acceptable(await this.#usableShared(shared, key));
          if (peer) return peer;
          const token = await this.#fetch(request, order);
          await this.#publish(shared, key, token, order);
          return token;
        } finally {
          stopKeepAlive();
          await lock.release();
        }
      }
      await sleep(PEER_POLL_MS * (0.5 + Math.random()));
      const peer = acceptable(await this.#usableShared(shared, key));
      if (peer) return peer;
    }
    return undefined;
  }

  /** The longest one token fetch may take with its retries: every attempt timing out, every wait at its cap. */
  #longestFetchMs(): number {
    const retries = this.#retry.strategy ? MAX_STRATEGY_RETRIES : this.#retry.retries;
    return (retries + 1) * this.#config.timeout + retries * MAX_RETRY_WAIT_MS;
  }

  /** Stores a fetched token for other processes, unless the cache was cleared since the fetch began. */
  async #publish(
    shared: SharedCache,
    key: string,
    token: M2MTokenResponse,
    order: FlightOrder,
  ): Promise<void> {
    if (order.generation === this.#generation) await shared.set(key, token, this.#sharedTtl(token));
  }

  /** A token from the shared cache that is not yet due for renewal. */
  async #usableShared(shared: SharedCache, key: string): Promise<M2MTokenResponse | null> {
    const token = await shared.get(key);
    if (!token) return null;
    const lead = this.#config.autoRefresh ? refreshLead(token, this.#config.refreshThreshold, 0) : 0;
    return Date.now() < expiresAtOf(token) - lead ? token : null;
  }

  /** Seconds a token stays in the shared cache: until it is due for renewal, at least 1. */
  #sharedTtl(token: M2MTokenResponse): number {
    const lead = this.#config.autoRefresh ? refreshLead(token, this.#config.refreshThreshold, 0) : 0;
    return Math.max(1, Math.floor((expiresAtOf(token) - lead - Date.now()) / 1000));
  }

  #sharedKeyOf(requestKey: string): Promise<string> {
    this.#sharedKeys ??= new Map();
    let key = this.#sharedKeys.get(requestKey);
    if (!key) {
      key = sharedCacheKey(this.#config, this.#credentials.clientSecret, requestKey);
      this.#sharedKeys.set(requestKey, key);
    }
    return key;
  }

  /** One token from the endpoint, with retries, a timeout per attempt and the hooks around it. */
  async #fetch(request: TokenRequest, order: FlightOrder): Promise<M2MTokenResponse> {
    const token = await withRetries(
      this.#retry,
      (attempt) => {
        this.#notifyRequest(request, attempt);
        return this.#withTimeout((signal) =>
          requestToken(this.#transport, this.#credentials, request, signal, this.#config.timeout),
        );
      },
      // After clearCache() a failing request is not retried: its token would not be kept anyway.
      () => order.generation !== this.#generation,
    );
    const { onTokenResponse } = this.#hooks;
    if (onTokenResponse) callHook(() => onTokenResponse({ ...token, access_token: '[redacted]' }));
    return token;
  }

  async #withTimeout<T>(run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    const timeout = this.#config.timeout;
    const timer = setTimeout(
      () => controller.abort(new DOMException(`timed out after ${timeout} ms`, 'TimeoutError')),
      timeout,
    );
    try {
      return await run(controller.signal);
    } finally {
      clearTimeout(timer);
    }
  }

  #notifyRequest(request: TokenRequest, attempt: number): void {
    const { onTokenRequest } = this.#hooks;
    if (!onTokenRequest) return;
    const info: M2MTokenRequestInfo = {
      url: `${this.#config.baseUrl}/oauth2/token`,
      clientId: this.#config.clientId,
      scopes: [...request.scopes],
      audience: [...request.audience],
      ...(request.resource !== undefined && { resource: request.resource }),
      authMethod: this.#config.authMethod,
      attempt,
    };
    callHook(() => onTokenRequest(info));
  }

  /**
   * Stores a token in memory and schedules its renewal, unless the cache was cleared meanwhile or a
   * flight asked for later already stored its token.
   */
  #keep(request: TokenRequest, token: M2MTokenResponse, order: FlightOrder): HeldToken {
    const held = holdToken(token, this.#config.autoRefresh, this.#config.refreshThreshold, order.flight);
    if (order.generation !== this.#generation) return held;
    const current = this.#held.get(request.key);
    if (current && current.flight > order.flight) return held;
    clearTimeout(current?.renewal);
    this.#held.set(request.key, held);
    if (request.key === this.#default.key) this.#defaultHeld = held;
    this.#lastToken = token;
    if (this.#config.autoRefresh) this.#scheduleRenewal(request, held);
    return held;
  }

  /** A timer that renews a token that callers use, at its jittered renewal time. Unref'd. */
  #scheduleRenewal(request: TokenRequest, held: HeldToken): void {
    clearTimeout(held.renewal);
    held.renewal = setTimeout(
      () => {
        held.renewal = undefined;
        if (this.#held.get(request.key) !== held) return;
        if (Date.now() < held.refreshAt) this.#scheduleRenewal(request, held);
        else if (held.used) this.#renewInBackground(request, held);
      },
      Math.min(Math.max(0, held.refreshAt - Date.now()), MAX_TIMER_MS),
    );
    held.renewal.unref?.();
  }

  /**
   * Renews a still-valid token without making anyone wait. A failure keeps the old token and tries
   * again later, but never past its expiry: then callers wait for a new one.
   */
  #renewInBackground(request: TokenRequest, held: HeldToken): void {
    if (this.#flights.has(request.key)) return;
    this.#flight(request, false).catch(() => {
      const now = Date.now();
      held.refreshAt = now + Math.min(RENEWAL_RETRY_MS, Math.max(0, (held.expiresAt - now) / 2));
      if (this.#held.get(request.key) === held) this.#scheduleRenewal(request, held);
    });
  }
}

/** Runs a user hook: a hook that throws or rejects does not break token acquisition. */
function callHook(hook: () => unknown): void {
  try {
    const result = hook();
    if (result instanceof Promise) result.catch(() => undefined);
  } catch {
    // Observability must never cost a token.
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
