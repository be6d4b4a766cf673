import type { components } from '../generated/schema.js';
import type { DpopProver } from './dpop-proof.js';
import { TokenRequestProof } from './dpop-request.js';
import type { FormOperation } from './endpoint.js';
import { isRecord, M2MError, M2MErrorCode, serverHeaders, truncate } from './errors.js';
import { MAX_EXPIRES_IN } from './lifetime.js';
import type { TokenRequest } from './request.js';
import { keepText, type Scrub } from './scrub.js';
import type { M2MTokenResponse } from './types.js';

/** The token request's own fields: client authentication adds `client_id` and its credentials. */
type TokenForm = Omit<components['schemas']['TokenRequest'], 'client_id' | 'client_secret'>;
type TokenResponseBody = components['schemas']['TokenResponse'];

/** Token types by their case-insensitive wire name (RFC 6749 §7.1). */
const TOKEN_TYPES = new Map<string, M2MTokenResponse['token_type']>([
  ['bearer', 'Bearer'],
  ['dpop', 'DPoP'],
]);

/**
 * Client credentials access token request (plus `audience` and RFC 8707 `resource`); reads the
 * validated token stamped with the local receive time. With `dpop`, each attempt carries a DPoP proof
 * and a `DPoP` token type is accepted.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.4.2
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-5
 */
export function tokenRequest(request: TokenRequest, dpop?: DpopProver): FormOperation<M2MTokenResponse> {
  const form: TokenForm = {
    grant_type: 'client_credentials',
    ...(request.scopes.length > 0 && { scope: request.scopes.join(' ') }),
    ...(request.audience.length > 0 && { audience: request.audience.join(' ') }),
    ...(request.resource !== undefined && { resource: request.resource }),
  };
  const read = (response: Response, text: string | undefined, scrub: Scrub) =>
    readTokenResponse(response, text, scrub, dpop !== undefined);
  const proof = dpop && new TokenRequestProof(dpop);
  return { path: '/oauth2/token', action: 'Token request', form, read, proof };
}

function readTokenResponse(
  response: Response,
  text: string | undefined,
  scrub: Scrub,
  dpop: boolean,
): M2MTokenResponse {
  const receivedAt = Date.now();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    const type = scrub(response.headers.get('content-type') ?? 'no content-type');
    throw invalidTokenResponse(`the body is not JSON (${type})`, response, scrub);
  }
  return processTokenResponse(body, receivedAt, response, scrub, dpop);
}

/**
 * Validates a successful token response. The body is untrusted: anything but an object with a
 * non-empty `access_token`, a Bearer `token_type` (or `DPoP`, when the request carried a proof: `dpop`)
 * and a sane `expires_in` is a `server_error` that names the defect.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-5
 */
export function processTokenResponse(
  body: unknown,
  receivedAt: number,
  response?: Response,
  scrub: Scrub = keepText,
  dpop = false,
): M2MTokenResponse {
  const invalid = (problem: string) => invalidTokenResponse(problem, response, scrub);
  const describe = (value: unknown) => describeValue(value, scrub);
  if (body === undefined) throw invalid('the body is empty');
  if (!isRecord(body)) throw invalid('the body is not a JSON object');
  const wire = body as Partial<Record<keyof TokenResponseBody, unknown>>;
  if (typeof wire.access_token !== 'string' || wire.access_token === '') {
    throw invalid('access_token is missing or not a non-empty string');
  }
  const tokenType =
    typeof wire.token_type === 'string' ? TOKEN_TYPES.get(wire.token_type.toLowerCase()) : undefined;
  if (tokenType === undefined || (tokenType === 'DPoP' && !dpop)) {
    const unasked = tokenType === 'DPoP' ? ', but no DPoP proof was sent' : '';
    const expected = dpop ? '"Bearer" or "DPoP"' : '"Bearer"';
    throw invalid(`token_type must be ${expected} (got ${describe(wire.token_type)}${unasked})`);
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
    token_type: tokenType,
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
