import type { components } from '../generated/schema.js';
import { errorFromResponse } from './errors.js';
import { errorBeforeBody } from './failures.js';
import type { Credentials } from './token-endpoint.js';
import { clientAuthentication, type Transport } from './transport.js';

type RevocationRequestBody = components['schemas']['RevocationRequest'];

/**
 * Token revocation request, RFC 7009 §2.1. The server answers 200 also for tokens it does not know
 * (§2.2), so success means only that the token is no longer usable.
 */
export async function revokeAccessToken(
  transport: Transport,
  credentials: Credentials,
  token: string,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<void> {
  const auth = clientAuthentication(credentials.authMethod, credentials.clientId, credentials.clientSecret);
  const form: RevocationRequestBody = { token, token_type_hint: 'access_token', ...auth.body };
  const result = await transport
    .POST('/oauth2/revoke', { body: form, headers: auth.headers, signal, parseAs: 'text' })
    .catch((error: unknown) => {
      throw errorBeforeBody(error, 'Token revocation', timeoutMs, credentials.scrub);
    });
  const { response } = result;
  if (!response.ok) throw errorFromResponse(response, result.error, 'Token revocation', credentials.scrub);
}
