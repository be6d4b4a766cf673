import type { components } from '../generated/schema.js';
import { errorFromResponse, isRecord, M2MError, M2MErrorCode, serverHeaders, truncate } from './errors.js';
import { errorBeforeBody } from './failures.js';
import { MAX_EXPIRES_IN } from './lifetime.js';
import type { TokenRequest } from './request.js';
import { keepText, type Scrub } from './scrub.js';
import { clientAuthentication, type Transport } from './transport.js';
import type { ClientAuthMethod, M2MTokenResponse } from './types.js';

type TokenRequestBody = components['schemas']['TokenRequest'];
type TokenResponseBody = components['schemas']['TokenResponse'];

export type Credentials = {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly authMethod: ClientAuthMethod;
  /** Masks the secret in what the server sends back, before it enters an error. */
  readonly scrub: Scrub;
};

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
      throw errorBeforeBody(error, 'Token request', timeoutMs, credentials.scrub);
    });
  const { response } = result;
  if (!response.ok) throw errorFromResponse(response, result.error, 'Token request', credentials.scrub);
  const receivedAt = Date.now();
  let body: unknown;
  try {
    body = result.data ? JSON.parse(result.data) : undefined;
  } catch {
    const type = credentials.scrub(response.headers.get('content-type') ?? 'no content-type');
    throw invalidTokenResponse(`the body is not JSON (${type})`, response, credentials.scrub);
  }
  return processTokenResponse(body, receivedAt, response, credentials.scrub);
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
  scrub: Scrub = keepText,
): M2MTokenResponse {
  const invalid = (problem: string) => invalidTokenResponse(problem, response, scrub);
  const describe = (value: unknown) => describeValue(value, scrub);
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

function invalidTokenResponse(problem: string, response: Response | undefined, scrub: Scrub): M2MError {
  return new M2MError({
    code: M2MErrorCode.ServerError,
    status: response?.status ?? 200,
    message: `Invalid token response: ${problem}`,
    ...(response && { headers: serverHeaders(response.headers, scrub) }),
  });
}

/** A value the server sent, as JSON, with the secret masked before it is cut short. */
function describeValue(value: unknown, scrub: Scrub): string {
  if (value === undefined) return 'nothing';
  return truncate(scrub(JSON.stringify(value) ?? String(value)), 40);
}
