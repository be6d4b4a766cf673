// The guide's "Quick Start" snippets, as written there; each in a block of its own so that their
// `const m2m` do not collide. Type-checked only: they talk to https://auth.yourapp.com.
// (`npm run demo` runs the quick start against a local server.)
import { M2MClient } from '@passflow/core';

// ### Basic Token Request
{
  // Initialize the M2M client
  const m2m = new M2MClient({
    url: 'https://auth.yourapp.com',
    clientId: 'your-client-id',
    clientSecret: 'your-client-secret',
  });

  // Request an access token
  const token = await m2m.getToken();
  console.log('Access Token:', token.access_token);

  // Use the token to call your API
  const response = await fetch('https://api.yourapp.com/data', {
    headers: {
      Authorization: `Bearer ${token.access_token}`,
    },
  });
}

// ### With Scopes
{
  const m2m = new M2MClient({
    url: 'https://auth.yourapp.com',
    clientId: 'your-client-id',
    clientSecret: 'your-client-secret',
    scopes: ['users:read', 'orders:write'],
  });

  const token = await m2m.getToken();
  // Token will include the requested scopes
}

// ### With Automatic Refresh
{
  const m2m = new M2MClient({
    url: 'https://auth.yourapp.com',
    clientId: 'your-client-id',
    clientSecret: 'your-client-secret',
    autoRefresh: true,
    refreshThreshold: 60, // Refresh when token expires in < 60 seconds
  });

  // Token is automatically refreshed when needed
  const token = await m2m.getToken();
}
