import { resolveConfig } from '../client/config.js';
import { withRetries } from '../client/retry.js';
import { revokeAccessToken } from '../client/revocation.js';
import { createScrubber } from '../client/scrub.js';
import { createTransport } from '../client/transport.js';
import type { M2MClientConfig } from '../client/types.js';

/**
 * Revokes any access token (RFC 7009 §2.1), not only the one an `M2MClient` holds: the same
 * configuration checks, transport, retry policy and error mapping as `M2MClient.revokeToken()`.
 */
export async function revokeToken(config: M2MClientConfig, token: string): Promise<void> {
  const resolved = resolveConfig(config);
  const transport = createTransport(resolved.baseUrl, config.fetch ?? globalThis.fetch);
  const credentials = {
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    authMethod: resolved.authMethod,
    scrub: createScrubber([config.clientSecret]),
  };
  const policy = { retries: resolved.retries, retryDelay: resolved.retryDelay, strategy: undefined };
  await withRetries(policy, () =>
    revokeAccessToken(transport, credentials, token, AbortSignal.timeout(resolved.timeout), resolved.timeout),
  );
}
