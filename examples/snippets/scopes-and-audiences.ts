// The guide's "Scopes and Audiences" snippets, as written there. Type-checked only.
import { M2MClient } from '@passflow/core';

// ### Scopes
{
  const m2m = new M2MClient({
    url: 'https://auth.yourapp.com',
    clientId: 'your-client-id',
    clientSecret: 'your-client-secret',
    scopes: [
      'users:read', // Read user data
      'users:write', // Write user data
      'orders:read', // Read orders
      'orders:write', // Create/update orders
      'admin:manage', // Administrative access
    ],
  });
}

// ### Audiences
{
  const m2m = new M2MClient({
    url: 'https://auth.yourapp.com',
    clientId: 'your-client-id',
    clientSecret: 'your-client-secret',
    audience: ['https://api.yourapp.com', 'https://internal-api.yourapp.com'],
  });
}
