import type { components } from '../generated/schema.js';
import {
  errorFromNetwork,
  errorFromResponse,
  headersToRecord,
  isRecord,
  M2MError,
  M2MErrorCode,
} from './errors.js';
import type { TokenRequest } from './request.js';
import { BodyTooLargeError, clientAuthentication, type Transport } from './transport.js';
import type { ClientAuthMethod, M2MTokenResponse } from './types.js';

type TokenRequestBody = components['schemas']['TokenRequest'];
type TokenResponseBody = components['schemas']['TokenResponse'];

export type Credentials = {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly authMethod: ClientAuthMethod;
};

/** The longest lifetime accepted from a server: a year. Anything longer is a server bug. */
const MAX_EXPIRES_IN = 365 * 24 * 3600;

/**
 * Client credentials access token request, RFC 6749 §4.4.2 (plus `audience` and RFC 8707 `resource`).
 * Resolves to the validated token stamped with the local receive time, or rejects with an `M2MError`.
 */
export async function requestToken(
  transport: Transport,
  credentials: Credentials,
  request: TokenRequest,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<M2MTokenResponse> {
  const auth = clientAuthentication(credentials.authMethod, credentials.clientId, credentials.clientSecret);
  const form: TokenRequestBody = {
    grant_type: 'client_credentials',
    ...auth.body,
    ...(request.scopes.length > 0 && { scope: request.scopes.join(' ') }),
    ...(request.audience.length > 0 && { audience: request.audience.join(' ') }),
    ...(request.resource !== undefined && { resource: request.resource }),
  };
  const result = await transport
    .POST('/oauth2/token', { body: form, headers: auth.headers, signal, parseAs: 'text' })
    .catch((error: unknown) => {
      throw failureBeforeBody(error, 'Token request', timeoutMs);
    });
  const { response } = result;
  if (!response.ok) throw errorFromResponse(response, result.error, 'Token request');
  const receivedAt = Date.now();
  let body: unknown;
  try {
    body = result.data ? JSON.parse(result.data) : undefined;
  } catch {
    const type = response.headers.get('content-type') ?? 'no content-type';
    throw invalidTokenResponse(`the body is not JSON (${type})`, response);
  }
  return processTokenResponse(body, receivedAt, response);
}

/**
 * Validates a successful token response (RFC 6749 §5.1). The body is untrusted: anything but an
 * object with a non-empty `access_token`, a Bearer `token_type` and a sane `expires_in` is a
 * `server_error` that names the defect.
 */
export function processTokenResponse(
  body: unknown,
  receivedAt: number,
  response?: Response,
): M2MTokenResponse {
  const invalid = (problem: string) => invalidTokenResponse(problem, response);
  if (body === undefined) throw invalid('the body is empty');
  if (!isRecord(body)) throw invalid('the body is not a JSON object');
  const wire = body as Partial<Record<keyof TokenResponseBody, unknown>>;
  if (typeof wire.access_token !== 'string' || wire.access_token === '') {
    throw invalid('access_token is missing or not a non-empty string');
  }
  if (typeof wire.token_type !== 'string' || wire.token_type.toLowerCase() !== 'bearer') {
    throw invalid(`token_type must be "Bearer" (got ${describe(wire.token_type)})`);
  }
  const expiresIn = wire.expires_in;
  if (
    typeof expiresIn !== 'number' ||
    !Number.isFinite(expiresIn) ||
    expiresIn < 1 ||
    expiresIn > MAX_EXPIRES_IN
  ) {
    throw invalid(
      `expires_in must be a number of seconds from 1 to ${MAX_EXPIRES_IN} (got ${describe(expiresIn)})`,
    );
  }
  if (wire.scope !== undefined && typeof wire.scope !== 'string') {
    throw invalid(`scope must be a space-separated string (got ${describe(wire.scope)})`);
  }
  return {
    access_token: wire.access_token,
    token_type: 'Bearer',
    expires_in: Math.floor(expiresIn),
    ...(wire.scope !== undefined && { scope: wire.scope }),
    issued_at: Math.floor(receivedAt / 1000),
  };
}

function invalidTokenResponse(problem: string, response: Response | undefined): M2MError {
  return new M2MError({
    code: M2MErrorCode.ServerError,
    status: response?.status ?? 200,
    message: `Invalid token response: ${problem}`,
    ...(response && { headers: headersToRecord(response.headers) }),
  });
}

/** A failure while sending or while reading the body: network, timeout, abort or oversize. */
export function failureBeforeBody(error: unknown, action: string, timeoutMs: number): M2MError {
  if (error instanceof M2MError) return error;
  const tooLarge =
    error instanceof BodyTooLargeError ? error : error instanceof Error ? error.cause : undefined;
  if (tooLarge instanceof BodyTooLargeError) {
    return new M2MError({
      code: M2MErrorCode.ServerError,
      status: 0,
      message: `${action} failed: ${tooLarge.message}`,
      cause: error,
    });
  }
  return errorFromNetwork(error, action, timeoutMs);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
