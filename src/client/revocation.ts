import type { components } from '../generated/schema.js';
import type { FormOperation } from './endpoint.js';

/** The revocation request's own fields: client authentication adds `client_id` and its credentials. */
type RevocationForm = Omit<components['schemas']['RevocationRequest'], 'client_id' | 'client_secret'>;

/**
 * Token revocation request of an access token. The server answers 200 also for tokens it does not
 * know (§2.2), so success means only that the token is no longer usable.
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2.1
 */
export function revocationRequest(token: string): FormOperation<void> {
  const form: RevocationForm = { token, token_type_hint: 'access_token' };
  return { path: '/oauth2/revoke', action: 'Token revocation', form, read: revoked };
}

function revoked(): void {}
