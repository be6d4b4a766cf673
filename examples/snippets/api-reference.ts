// The guide's "API Reference" (Types, M2MClient Class), as written there, checked against the package:
// every configuration the guide describes is accepted, everything the package returns is what the guide
// promises, and the client has every method of the guide's class with a compatible signature.
import type * as Package from '@passflow/core';

declare namespace Guide {
  // The guide names M2MTokenRequestInfo without defining it; the package's type stands in.
  type M2MTokenRequestInfo = Package.M2MTokenRequestInfo;

  /**
   * M2M Client configuration options
   */
  export type M2MClientConfig = {
    /** Passflow server URL */
    url: string;

    /** M2M application client ID */
    clientId: string;

    /** M2M application client secret */
    clientSecret: string;

    /** Scopes to request (default: []) */
    scopes?: string[];

    /** Target audiences for the token */
    audience?: string[];

    /** Automatically refresh tokens before expiry (default: false) */
    autoRefresh?: boolean;

    /** Seconds before expiry to trigger refresh (default: 30) */
    refreshThreshold?: number;

    /** Request timeout in milliseconds (default: 10000) */
    timeout?: number;

    /** Number of retry attempts on failure (default: 3) */
    retries?: number;

    /** Delay between retries in milliseconds (default: 1000) */
    retryDelay?: number;

    /** Custom retry strategy */
    retryStrategy?: RetryStrategy;

    /** Custom token cache implementation */
    cache?: M2MTokenCache;

    /** Callback for token requests (for logging/metrics) */
    onTokenRequest?: (request: M2MTokenRequestInfo) => void;

    /** Callback for token responses (for logging/metrics) */
    onTokenResponse?: (response: M2MTokenResponse) => void;
  };

  /**
   * Token request options
   */
  export type M2MTokenRequestOptions = {
    /** Override default scopes */
    scopes?: string[];

    /** Override default audience */
    audience?: string[];

    /** Force a new token request, ignoring cache */
    forceRefresh?: boolean;
  };

  /**
   * OAuth 2.0 token response
   */
  export type M2MTokenResponse = {
    /** The access token */
    access_token: string;

    /** Token type (always "Bearer") */
    // The guide prints 'Bearer'. With the `dpop` option, which came after the guide, a token bound to the
    // client's key is 'DPoP' (RFC 9449 §5); the check below keeps that the only difference.
    token_type: 'Bearer' | 'DPoP';

    /** Token lifetime in seconds */
    expires_in: number;

    /** Granted scopes (space-separated) */
    scope?: string;

    /** Timestamp when token was issued */
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
  };

  /**
   * M2M authentication error
   */
  export class M2MError extends Error {
    /** OAuth 2.0 error code */
    code: M2MErrorCode;

    /** Error description */
    message: string;

    /** HTTP status code */
    status: number;

    /** Response headers (for rate limit info) */
    headers?: Record<string, string>;

    /** Original error (if wrapped) */
    cause?: Error;
  }

  /**
   * M2M error codes (OAuth 2.0 compliant)
   */
  export enum M2MErrorCode {
    InvalidRequest = 'invalid_request',
    InvalidClient = 'invalid_client',
    InvalidGrant = 'invalid_grant',
    InvalidScope = 'invalid_scope',
    UnauthorizedClient = 'unauthorized_client',
    UnsupportedGrantType = 'unsupported_grant_type',
    RateLimitExceeded = 'rate_limit_exceeded',
    ServerError = 'server_error',
    TemporarilyUnavailable = 'temporarily_unavailable',
  }

  /**
   * Custom token cache interface
   */
  export interface M2MTokenCache {
    /** Get cached token */
    get(key: string): Promise<M2MTokenResponse | null>;

    /** Cache a token with TTL */
    set(key: string, token: M2MTokenResponse, ttl: number): Promise<void>;

    /** Delete cached token */
    delete(key: string): Promise<void>;
  }

  /**
   * Custom retry strategy interface
   */
  export interface RetryStrategy {
    /** Determine if request should be retried */
    shouldRetry(error: M2MError, attempt: number): boolean;

    /** Get delay before next retry in milliseconds */
    getDelay(attempt: number): number;
  }

  export class M2MClient {
    /**
     * Create a new M2M client
     * @param config - Client configuration
     */
    constructor(config: M2MClientConfig);

    /**
     * Request an access token
     * @param options - Optional request overrides
     * @returns Token response
     * @throws M2MError on authentication failure
     */
    getToken(options?: M2MTokenRequestOptions): Promise<M2MTokenResponse>;

    /**
     * Get a valid token, automatically refreshing if needed
     * @returns Valid token response
     * @throws M2MError on authentication failure
     */
    getValidToken(): Promise<M2MTokenResponse>;

    /**
     * Get the currently cached token
     * @returns Cached token or null
     */
    getCachedToken(): M2MTokenResponse | null;

    /**
     * Check if a token is expired
     * @param token - Token to check (uses cached if not provided)
     * @param threshold - Seconds before expiry to consider expired
     * @returns true if expired or about to expire
     */
    isTokenExpired(token?: M2MTokenResponse, threshold?: number): boolean;

    /**
     * Parse token claims from a JWT
     * @param token - JWT access token
     * @returns Decoded token claims
     */
    parseToken(token: string): M2MTokenClaims;

    /**
     * Clear the token cache
     */
    clearCache(): void;

    /**
     * Revoke the current token (if revocation endpoint is supported)
     * @throws M2MError on revocation failure
     */
    revokeToken(): Promise<void>;
  }
}

type Assert<T extends true> = T;
type Extends<A, B> = [A] extends [B] ? true : false;
type Equals<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** Enums are nominal: compare the error classes with their codes as the string values they are. */
type WithStringCode<T extends { code: string }> = Omit<T, 'code'> & { code: `${T['code']}` };

// The package's error codes are the guide's, RFC 7009's unsupported_token_type, which only revocation
// reports, and RFC 9449's invalid_dpop_proof and use_dpop_nonce, which only a client with `dpop` meets. A retry strategy typed by the guide's closed enum is therefore checked with the package's.
type GuideConfig = Omit<Guide.M2MClientConfig, 'retryStrategy'> & { retryStrategy?: Package.RetryStrategy };
// RFC 9068 does not require Passflow's `type` claim, so the package types it optional; a Passflow
// machine token carries it, and then its claims are all that the guide promises.
type PassflowClaims = Package.M2MTokenClaims & { type: 'm2m' };

export type Checks = [
  // What users write, by the guide's types, the package accepts.
  Assert<Extends<GuideConfig, Package.M2MClientConfig>>,
  Assert<Extends<Guide.M2MTokenRequestOptions, Package.M2MTokenRequestOptions>>,
  Assert<Extends<Guide.M2MTokenCache, Package.M2MTokenCache>>,
  Assert<Extends<Guide.M2MTokenResponse, Package.M2MTokenResponse>>,
  Assert<Equals<Parameters<Guide.RetryStrategy['getDelay']>, Parameters<Package.RetryStrategy['getDelay']>>>,
  Assert<Equals<Parameters<Package.RetryStrategy['shouldRetry']>[1], number>>,
  // What the package gives back is what the guide promises.
  Assert<Extends<Package.M2MTokenResponse, Guide.M2MTokenResponse>>,
  Assert<Equals<Package.M2MTokenResponse['token_type'], 'Bearer' | 'DPoP'>>,
  Assert<Extends<PassflowClaims, Guide.M2MTokenClaims>>,
  Assert<Extends<Omit<Package.M2MError, 'code'>, Omit<Guide.M2MError, 'code'>>>,
  Assert<Extends<`${Guide.M2MErrorCode}`, `${Package.M2MErrorCode}`>>,
  Assert<
    Equals<
      Exclude<`${Package.M2MErrorCode}`, `${Guide.M2MErrorCode}`>,
      'unsupported_token_type' | 'invalid_dpop_proof' | 'use_dpop_nonce'
    >
  >,
  Assert<Extends<keyof typeof Guide.M2MErrorCode, keyof typeof Package.M2MErrorCode>>,
  // The client class: the guide's constructor argument, and every method of the guide's class.
  Assert<Extends<[GuideConfig], ConstructorParameters<typeof Package.M2MClient>>>,
  Assert<Extends<Package.M2MClient, Omit<Guide.M2MClient, 'parseToken'>>>,
  Assert<Equals<Parameters<Package.M2MClient['parseToken']>, Parameters<Guide.M2MClient['parseToken']>>>,
  Assert<Equals<ReturnType<Package.M2MClient['parseToken']>, Package.M2MTokenClaims>>,
];
