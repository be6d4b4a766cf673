// The guide's "Token Management" snippets (Automatic Refresh, Token Caching), as written there.
// Type-checked only.
import { M2MClient } from '@passflow/core';

// The client the guide created earlier, used by the Token Caching snippet.
declare const m2m: M2MClient;

// ### Automatic Refresh
{
  const m2m = new M2MClient({
    url: 'https://auth.yourapp.com',
    clientId: 'your-client-id',
    clientSecret: 'your-client-secret',
    autoRefresh: true,
    refreshThreshold: 60, // Refresh 60 seconds before expiry
  });

  // This will automatically refresh the token if needed
  const token = await m2m.getValidToken();
}

// ### Token Caching
{
  // First call - requests new token
  const token1 = await m2m.getToken();

  // Second call - returns cached token
  const token2 = await m2m.getToken();

  // Force new token request
  const token3 = await m2m.getToken({ forceRefresh: true });
}
