/**
 * OAuth 2.0 error codes (RFC 6749 §5.2) and the Passflow extensions for rate limits and outages.
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

const KNOWN_CODES = new Set<string>(Object.values(M2MErrorCode));

export function isM2MErrorCode(value: unknown): value is M2MErrorCode {
  return typeof value === 'string' && KNOWN_CODES.has(value);
}

export type M2MErrorInit = {
  code: M2MErrorCode;
  message: string;
  /** HTTP status; 0 when no response was received (network failure, timeout, abort). */
  status: number;
  headers?: Record<string, string>;
  cause?: unknown;
  /** The server's `error_uri`, when it sent one. */
  errorUri?: string;
};

/**
 * Every failure of the client. Carries the OAuth code, the HTTP status, the response headers
 * (lower-cased) and the original error, never the request or the client's credentials.
 */
export class M2MError extends Error {
  override readonly name = 'M2MError';
  readonly code: M2MErrorCode;
  readonly status: number;
  declare readonly headers?: Record<string, string>;
  declare readonly errorUri?: string;
  declare readonly cause?: Error;

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
 */
export function errorFromResponse(response: Response, body: unknown, action: string): M2MError {
  const { status } = response;
  const headers = headersToRecord(response.headers);
  const oauth = isRecord(body) ? body : undefined;
  const serverCode = typeof oauth?.error === 'string' ? oauth.error : undefined;
  const code =
    status === 429
      ? M2MErrorCode.RateLimitExceeded
      : isM2MErrorCode(serverCode)
        ? serverCode
        : codeForStatus(status);
  const description = typeof oauth?.error_description === 'string' ? oauth.error_description : undefined;
  const errorUri = typeof oauth?.error_uri === 'string' ? oauth.error_uri : undefined;

  let message = `${action} failed with HTTP ${status}`;
  if (serverCode !== undefined) message += `: ${truncate(serverCode)}`;
  if (description !== undefined) message += ` - ${truncate(description)}`;
  if (serverCode === undefined && description === undefined) message += describeBody(response, body);
  if (status >= 300 && status < 400) {
    const location = response.headers.get('location');
    message += location ? ` (redirect to ${truncate(location)} not followed)` : ' (redirect not followed)';
  }
  return new M2MError({ code, status, headers, message, ...(errorUri !== undefined && { errorUri }) });
}

/**
 * Maps a failure before any response (DNS, refused, reset, timeout, caller abort). A timeout's reason
 * says how long it was ("timed out after 100 ms").
 */
export function errorFromNetwork(error: unknown, action: string): M2MError {
  const reason = error instanceof Error ? error : new Error(String(error));
  const message =
    reason.name === 'TimeoutError'
      ? `${action} ${reason.message.startsWith('timed out') ? reason.message : `timed out (${reason.message})`}`
      : reason.name === 'AbortError'
        ? `${action} was aborted`
        : `${action} failed: ${networkReason(reason)}`;
  return new M2MError({ code: M2MErrorCode.TemporarilyUnavailable, status: 0, message, cause: reason });
}

function networkReason(error: Error): string {
  const cause = error.cause;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === 'string' ? `${code} (${cause.message})` : cause.message;
  }
  return error.message;
}

function describeBody(response: Response, body: unknown): string {
  const type = response.headers.get('content-type');
  if (body === undefined || body === '') return ' and an empty body';
  return ` and a body that is not an OAuth error${type ? ` (${truncate(type)})` : ''}`;
}

function truncate(text: string, max = 200): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
