// The guide's "Best Practices" 5 (Rotate Secrets Regularly), running: the client reads its secret from
// the vault through a provider, so the guide's rotateM2MSecret() works as printed, without a restart.
// Run it against a local server whose admin API rotates the secret: npm run examples -- secret-rotation
import { M2MClient } from '@passflow/core';
import { isMain } from './support/is-main.js';

// ### 4. Use Token Caching, with the secret read from the vault instead of the environment

const m2m = new M2MClient({
  url: process.env.PASSFLOW_URL!,
  clientId: process.env.M2M_CLIENT_ID!,
  // Read on the first token request, again after clearCache(), and once more if the server refuses it.
  clientSecret: () => readSecretFromVault('m2m-client-secret'),
  autoRefresh: true,
  refreshThreshold: 60, // Refresh 1 minute before expiry
});

// This service instance should be reused (singleton pattern)
export const m2mService = m2m;

// ### 5. Rotate Secrets Regularly (as printed in the guide)

// Implement secret rotation
export async function rotateM2MSecret(): Promise<void> {
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

// --- Stand-ins for the application's own code, left out of the guide ---

/** The vault: an in-memory secret manager seeded from the environment. */
const vault = new Map([['m2m-client-secret', process.env.M2M_CLIENT_SECRET!]]);

async function readSecretFromVault(name: string): Promise<string> {
  const value = vault.get(name);
  if (value === undefined) throw new Error(`no secret named ${name} in the vault`);
  return value;
}

async function updateSecretInVault(name: string, value: string): Promise<void> {
  vault.set(name, value);
}

/** Passflow's admin API client: only the call the guide makes. */
class PassflowAdmin {
  constructor(private readonly config: { url: string; apiKey: string }) {}

  async rotateM2MSecret(clientId: string): Promise<{ client_secret: string }> {
    const response = await fetch(
      `${this.config.url}/admin/m2m/${encodeURIComponent(clientId)}/rotate-secret`,
      { method: 'POST', headers: { authorization: `Bearer ${this.config.apiKey}` } },
    );
    if (!response.ok) throw new Error(`secret rotation failed: HTTP ${response.status}`);
    return (await response.json()) as { client_secret: string };
  }
}

// --- tsx examples/secret-rotation.ts ---
if (isMain(import.meta)) {
  // Another instance of the service, reading the same vault, that nobody tells about the rotation.
  const replica = new M2MClient({
    url: process.env.PASSFLOW_URL!,
    clientId: process.env.M2M_CLIENT_ID!,
    clientSecret: () => readSecretFromVault('m2m-client-secret'),
  });
  await m2mService.getToken();
  await replica.getToken();
  console.log('both instances have a token');

  await rotateM2MSecret();
  await m2mService.getToken();
  console.log('rotated: the service got a token with the new secret, without a restart');

  // The replica's next request is refused with the old secret: it reads the vault once more and
  // sends the request once more with the new one.
  await replica.getToken({ forceRefresh: true });
  console.log('the replica recovered on its own after one refused request');
}
