// The guide's example "Multi-Tenant M2M" (services/tenant-api-client.ts), as written there.
// Run it against Prism and a local API: npm run examples -- multi-tenant
import { M2MClient } from '@passflow/core';
import { isMain } from './support/is-main.js';

// Create separate M2M clients for each tenant
const tenantClients = new Map<string, M2MClient>();

function getClientForTenant(tenantId: string): M2MClient {
  if (!tenantClients.has(tenantId)) {
    const credentials = getTenantCredentials(tenantId);

    const client = new M2MClient({
      url: process.env.PASSFLOW_URL!,
      clientId: credentials.clientId,
      clientSecret: credentials.clientSecret,
      scopes: ['tenant:read', 'tenant:write'],
      autoRefresh: true,
    });

    tenantClients.set(tenantId, client);
  }

  return tenantClients.get(tenantId)!;
}

export async function fetchTenantData(tenantId: string): Promise<TenantData> {
  const client = getClientForTenant(tenantId);
  const token = await client.getValidToken();

  // Token will include tenant_id claim
  const claims = client.parseToken(token.access_token);
  console.log(`Fetching data for tenant: ${claims.tenant_id}`);

  const response = await fetch(`${process.env.API_URL}/tenant/data`, {
    headers: {
      Authorization: `Bearer ${token.access_token}`,
    },
  });

  return response.json();
}

// --- Stand-ins for the application's own code, left out of the guide ---
export type TenantData = { tenant: string; records: number };

/** Per-tenant credentials from the application's own store; here a JSON map in TENANT_CREDENTIALS. */
function getTenantCredentials(tenantId: string): { clientId: string; clientSecret: string } {
  const all = JSON.parse(process.env.TENANT_CREDENTIALS ?? '{}') as Record<
    string,
    { clientId: string; clientSecret: string } | undefined
  >;
  const credentials = all[tenantId];
  if (!credentials) throw new Error(`no M2M credentials for tenant ${tenantId}`);
  return credentials;
}

// --- tsx examples/multi-tenant.ts [tenant-id] ---
if (isMain(import.meta)) {
  const data = await fetchTenantData(process.argv[2] ?? 'tenant_01HZX3K8');
  console.log(`tenant ${data.tenant}: ${data.records} records`);
}
