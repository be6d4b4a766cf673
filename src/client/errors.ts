import { keepText, type Scrub, scrubHeaders } from './scrub.js';

/**
 * The `code` of every {@link M2MError}: the OAuth 2.0 error codes of RFC 6749 §5.2, RFC 7009's
 * `unsupported_token_type`, RFC 9449's DPoP errors and the Passflow extension `rate_limit_exceeded`. A code the server sends
 * in its error body wins (except on 429); without a known one, the HTTP status decides, also when the
 * body could not be read (over 256 KiB, cut off, not decodable). `status` 0 means the client produced
 * the error itself, with no HTTP response: each member says when that happens.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc6749#section-5.2 | RFC 6749 §5.2}
 */
export enum M2MErrorCode {
  /**
   * The server found the request malformed (HTTP 400), or answered another 4xx without a known code.
   * With status 0 the client produced it: options given to `getToken()` are invalid (a scope that is
   * not a scope token, an audience with white space, a resource that is not an absolute URI),
   * `parseToken()` got something that is not a JWT or a JWT without a claim RFC 9068 §2.2 requires,
   * or a token request failed unexpectedly. Final.
   *
   * @see {@link https://www.rfc-editor.org/rfc/rfc6749#section-5.2 | RFC 6749 §5.2}
   */
  InvalidRequest = 'invalid_request',
  /**
   * Client authentication failed: unknown client, wrong secret, or an authentication method the server
   * does not take (HTTP 401, or 400 for credentials sent in the body); also any 401 without a known
   * code. Never status 0. Final: not retried.
   *
   * @see {@link https://www.rfc-editor.org/rfc/rfc6749#section-5.2 | RFC 6749 §5.2}
   */
  InvalidClient = 'invalid_client',
  /**
   * The server refused the grant (HTTP 400). Never status 0. Final.
   *
   * @see {@link https://www.rfc-editor.org/rfc/rfc6749#section-5.2 | RFC 6749 §5.2}
   */
  InvalidGrant = 'invalid_grant',
  /**
   * A requested scope is unknown, malformed or not allowed for this client (HTTP 400). Never status 0
   * (a scope that is not even a scope token is caught earlier: {@link M2MConfigError} from the
   * constructor, `invalid_request` from `getToken()`). Final.
   *
   * @see {@link https://www.rfc-editor.org/rfc/rfc6749#section-3.3 | RFC 6749 §3.3}, {@link https://www.rfc-editor.org/rfc/rfc6749#section-5.2 | §5.2}
   */
  InvalidScope = 'invalid_scope',
  /**
   * The client may not use the client credentials grant (HTTP 400), or the server answered 403 without a
   * known code. Never status 0. Final.
   *
   * @see {@link https://www.rfc-editor.org/rfc/rfc6749#section-5.2 | RFC 6749 §5.2}
   */
  UnauthorizedClient = 'unauthorized_client',
  /**
   * The server does not support the client credentials grant (HTTP 400). Never status 0. Final.
   *
   * @see {@link https://www.rfc-editor.org/rfc/rfc6749#section-5.2 | RFC 6749 §5.2}
   */
  UnsupportedGrantType = 'unsupported_grant_type',
  /**
   * Revocation only: the server cannot revoke this type of token (HTTP 400), as a server that issues
   * JWT access tokens may answer. The token stays valid until it expires: stop using it and let it
   * expire (or ask the server's operator to revoke it another way). Never status 0. Final.
   *
   * @see {@link https://www.rfc-editor.org/rfc/rfc7009#section-2.2.1 | RFC 7009 §2.2.1}
   */
  UnsupportedTokenType = 'unsupported_token_type',
  /**
   * With the `dpop` option: the server refused the DPoP proof of a token request (HTTP 400): malformed,
   * replayed, signed with an algorithm it does not take, or for another URL. Never status 0. Final.
   *
   * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-5 | RFC 9449 §5}
   */
  InvalidDpopProof = 'invalid_dpop_proof',
  /**
   * With the `dpop` option: the server wants its nonce in the proof (HTTP 400). The client answers the
   * first such challenge itself, with the nonce of the `DPoP-Nonce` header (not one of the retries); this
   * error means there was no nonce to answer with, or the server asked again. Never status 0. Final.
   *
   * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-8 | RFC 9449 §8}
   */
  UseDpopNonce = 'use_dpop_nonce',
  /**
   * Rate limited: HTTP 429 (whatever its body says) once the retries are used up; or, with the built-in
   * retry policy, any retryable failure whose `Retry-After` asks for more than 60 s, which fails at once
   * (the message says so, `headers['retry-after']` says when to come back). Never status 0.
   *
   * @see {@link https://www.rfc-editor.org/rfc/rfc6585#section-4 | RFC 6585 §4} (429),
   * {@link https://www.rfc-editor.org/rfc/rfc9110#section-10.2.3 | RFC 9110 §10.2.3} (Retry-After)
   */
  RateLimitExceeded = 'rate_limit_exceeded',
  /**
   * The server failed: HTTP 500 or another 5xx without a known code (retried first); a redirect (3xx:
   * the client never follows one with credentials); or a 2xx whose body is not a valid token response,
   * the message naming the defect (not JSON, no `access_token`, `token_type` not Bearer, `expires_in`
   * not 1 s to a year) or could not be read (over 256 KiB, cut off, not decodable), with its status.
   * Never status 0.
   *
   * @see {@link https://www.rfc-editor.org/rfc/rfc6749#section-5.2 | RFC 6749 §5.2}, {@link https://www.rfc-editor.org/rfc/rfc6749#section-5.1 | §5.1}
   */
  ServerError = 'server_error',
  /**
   * The server is overloaded or down for maintenance: HTTP 503, or 408, without another known code
   * (retried first). With status 0 the client produced it because no response arrived: a network
   * failure (DNS, connection refused or reset; the original error is `cause`), an attempt longer than
   * `timeout`, or the caller's `AbortSignal`. It also ends a request whose retry was waiting when
   * `clearCache()` was called, with the status of its last failure.
   *
   * @see {@link https://www.rfc-editor.org/rfc/rfc6749#section-5.2 | RFC 6749 §5.2}
   */
  TemporarilyUnavailable = 'temporarily_unavailable',
}

const KNOWN_CODES = new Set<string>(Object.values(M2MErrorCode));

export function isM2MErrorCode(value: unknown): value is M2MErrorCode {
  return typeof value === 'string' && KNOWN_CODES.has(value);
}

/** What an {@link M2MError} is made of (its constructor's argument). */
export type M2MErrorInit = {
  /** The OAuth error code. */
  code: M2MErrorCode;
  /** What went wrong, for people: never holds a secret. */
  message: string;
  /** HTTP status; 0 when no response was received (network failure, timeout, abort). */
  status: number;
  /** The response headers, names lower-cased. */
  headers?: Record<string, string>;
  /** The underlying error; a value that is not an `Error` is wrapped in one. */
  cause?: unknown;
  /** The server's `error_uri`, when it sent one. */
  errorUri?: string;
};

/**
 * Every failure of the client. Carries the OAuth code, the HTTP status, the response headers
 * (lower-cased) and the original error, never the request or the client's credentials.
 *
 * @example
 * ```ts
 * try {
 *   await m2m.getToken();
 * } catch (error) {
 *   if (error instanceof M2MError && error.code === M2MErrorCode.RateLimitExceeded) {
 *     console.warn('rate limited; retry after', error.headers?.['retry-after'], 's');
 *   }
 * }
 * ```
 */
export class M2MError extends Error {
  /** Always `'M2MError'`. */
  override readonly name = 'M2MError';
  /** The OAuth error code: when each occurs is told at {@link M2MErrorCode}. */
  readonly code: M2MErrorCode;
  /** The HTTP status of the response; 0 when the client produced the error without one. */
  readonly status: number;
  /** The response headers, names lower-cased (`retry-after`, `www-authenticate`); absent without a response. */
  declare readonly headers?: Record<string, string>;
  /** The `error_uri` of the server's error body, when it sent one. */
  declare readonly errorUri?: string;
  /** The underlying error: the network error, the abort reason, the failure a rate limit error wraps. */
  declare readonly cause?: Error;

  /** Errors are made by the client; construct one yourself only to test code that handles them. */
  constructor(init: M2MErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: asError(init.cause) });
    this.code = init.code;
    this.status = init.status;
    if (init.headers !== undefined)
      Object.defineProperty(this, 'headers', { value: init.headers, enumerable: true });
    if (init.errorUri !== undefined)
      Object.defineProperty(this, 'errorUri', { value: init.errorUri, enumerable: true });
  }

  /** True for failures a later attempt may not repeat: network, timeout, 408, 429 and 5xx. */
  get transient(): boolean {
    return this.status === 0 || this.status === 408 || this.status === 429 || this.status >= 500;
  }

  /** `name`, `code`, `message`, `status`, `headers` and `errorUri`, for logs (`cause` is left out). */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      status: this.status,
      ...(this.headers && { headers: this.headers }),
      ...(this.errorUri && { errorUri: this.errorUri }),
    };
  }
}

function asError(cause: unknown): Error {
  return cause instanceof Error ? cause : new Error(String(cause));
}

/** Response headers as a plain object with lower-cased names (Headers already lower-cases them). */
export function headersToRecord(headers: Headers): Record<string, string> {
  const record: Record<string, string> = {};
  headers.forEach((value, name) => {
    record[name] = value;
  });
  return record;
}

/** The headers of a response as they may enter an error: lower-cased, with every secret masked. */
export function serverHeaders(headers: Headers, scrub: Scrub): Record<string, string> {
  return scrubHeaders(headersToRecord(headers), scrub);
}

/** The code to report for a status when the body names no known OAuth error. */
export function codeForStatus(status: number): M2MErrorCode {
  if (status === 401) return M2MErrorCode.InvalidClient;
  if (status === 403) return M2MErrorCode.UnauthorizedClient;
  if (status === 429) return M2MErrorCode.RateLimitExceeded;
  if (status === 503 || status === 408) return M2MErrorCode.TemporarilyUnavailable;
  if (status >= 500 || status < 400) return M2MErrorCode.ServerError;
  return M2MErrorCode.InvalidRequest;
}

/**
 * Maps a non-2xx response to an `M2MError` (RFC 6749 §5.2). The OAuth `error` of a JSON body wins,
 * except that 429 is always `rate_limit_exceeded` so rate limiting is recognisable whatever the body says.
 * Every string the server sent passes through `scrub` before it is kept or quoted.
 */
export function errorFromResponse(
  response: Response,
  body: unknown,
  action: string,
  scrub: Scrub = keepText,
): M2MError {
  const { status } = response;
  const headers = serverHeaders(response.headers, scrub);
  const oauth = isRecord(body) ? body : undefined;
  const serverCode = typeof oauth?.error === 'string' ? oauth.error : undefined;
  const code =
    status === 429
      ? M2MErrorCode.RateLimitExceeded
      : isM2MErrorCode(serverCode)
        ? serverCode
        : codeForStatus(status);
  const description = typeof oauth?.error_description === 'string' ? oauth.error_description : undefined;
  const errorUri = typeof oauth?.error_uri === 'string' ? scrub(oauth.error_uri) : undefined;

  let message = `${action} failed with HTTP ${status}`;
  if (serverCode !== undefined) message += `: ${truncate(scrub(serverCode))}`;
  if (description !== undefined) message += ` - ${truncate(scrub(description))}`;
  if (serverCode === undefined && description === undefined) message += describeBody(headers, body);
  if (status >= 300 && status < 400) {
    const location = headers.location;
    message += location ? ` (redirect to ${truncate(location)} not followed)` : ' (redirect not followed)';
  }
  if (code === M2MErrorCode.UnsupportedTokenType) {
    message +=
      '. The server cannot revoke this type of token (RFC 7009 §2.2.1): it stays valid until it expires';
  }
  return new M2MError({ code, status, headers, message, ...(errorUri !== undefined && { errorUri }) });
}

function describeBody(headers: Record<string, string>, body: unknown): string {
  const type = headers['content-type'];
  if (body === undefined || body === '') return ' and an empty body';
  return ` and a body that is not an OAuth error${type ? ` (${truncate(type)})` : ''}`;
}

export function truncate(text: string, max = 200): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
