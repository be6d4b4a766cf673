// The guide's "Best Practices" 4 (Use Token Caching) and 5 (Rotate Secrets Regularly), as written
// there; 5 uses the `m2mService` that 4 exports. Type-checked only.
import { M2MClient } from '@passflow/core';

// The admin API client and the vault of the application, not part of this package.
declare class PassflowAdmin {
  constructor(config: { url: string; apiKey: string });
  rotateM2MSecret(clientId: string): Promise<{ client_secret: string }>;
}
declare function updateSecretInVault(name: string, value: string): Promise<void>;

// ### 4. Use Token Caching

// ✅ Good - cache tokens to reduce requests
const m2m = new M2MClient({
  url: process.env.PASSFLOW_URL!,
  clientId: process.env.M2M_CLIENT_ID!,
  clientSecret: process.env.M2M_CLIENT_SECRET!,
  autoRefresh: true,
  refreshThreshold: 60, // Refresh 1 minute before expiry
});

// This service instance should be reused (singleton pattern)
export const m2mService = m2m;

// ### 5. Rotate Secrets Regularly

// Implement secret rotation
async function rotateM2MSecret(): Promise<void> {
  const adminClient = new PassflowAdmin({
    url: process.env.PASSFLOW_URL!,
    apiKey: process.env.ADMIN_API_KEY!,
  });

  // Rotate the secret
  const { client_secret } = await adminClient.rotateM2MSecret(process.env.M2M_CLIENT_ID!);

  // Update secret in your secret manager
  await updateSecretInVault('m2m-client-secret', client_secret);

  // Clear token cache to use new credentials
  m2mService.clearCache();
}
