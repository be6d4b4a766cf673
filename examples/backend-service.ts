// The guide's example "Backend Service Authentication" (services/api-client.ts), as written there.
// Run it against Prism and a local API: npm run examples -- backend-service
import { M2MClient } from '@passflow/core';
import { isMain } from './support/is-main.js';

const m2m = new M2MClient({
  url: process.env.PASSFLOW_URL!,
  clientId: process.env.M2M_CLIENT_ID!,
  clientSecret: process.env.M2M_CLIENT_SECRET!,
  scopes: ['users:read', 'orders:read'],
  autoRefresh: true,
});

export async function fetchUsers(): Promise<User[]> {
  const token = await m2m.getValidToken();

  const response = await fetch('https://api.yourapp.com/users', {
    headers: {
      Authorization: `Bearer ${token.access_token}`,
      'Content-Type': 'application/json',
    },
  });

  if (!response.ok) {
    throw new Error(`API error: ${response.status}`);
  }

  return response.json();
}

// --- Stand-ins for the application's own code, left out of the guide ---
export type User = { id: string; name: string };

// --- tsx examples/backend-service.ts ---
if (isMain(import.meta)) {
  const users = await fetchUsers();
  console.log(`fetched ${users.length} users: ${users.map((user) => user.name).join(', ')}`);
}
