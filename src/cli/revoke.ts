import { createEndpoint } from '../client/endpoint.js';
import { revocationRequest } from '../client/revocation.js';
import type { M2MClientConfig } from '../client/types.js';

/**
 * Revokes any access token (RFC 7009 §2.1), not only the one an `M2MClient` holds: the same
 * configuration checks, endpoint (client authentication, timeout, retry policy) and error mapping as
 * `M2MClient.revokeToken()`.
 */
export async function revokeToken(config: M2MClientConfig, token: string): Promise<void> {
  await createEndpoint(config).call(revocationRequest(token));
}
