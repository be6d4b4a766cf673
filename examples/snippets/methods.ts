// The guide's "M2M Client › Methods" snippets, as written there, each in a block of its own.
// Type-checked only. `m2m` is the client the guide created earlier.
import type { M2MClient } from '@passflow/core';

declare const m2m: M2MClient;

// #### getToken(options?)
{
  // Basic usage
  const token = await m2m.getToken();
}
{
  // With options override
  const token = await m2m.getToken({
    scopes: ['users:read'], // Override default scopes
    audience: ['https://api.example.com'], // Override default audience
    forceRefresh: true, // Force a new token request
  });
}

// #### getValidToken()
{
  // Always returns a valid, non-expired token
  const token = await m2m.getValidToken();
}

// #### getCachedToken()
{
  const token = m2m.getCachedToken();
  if (token && !m2m.isTokenExpired(token)) {
    console.log('Using cached token');
  }
}

// #### isTokenExpired(token?)
{
  const token = m2m.getCachedToken();
  if (m2m.isTokenExpired(token)) {
    console.log('Token is expired');
  }

  // With custom threshold (seconds)
  if (m2m.isTokenExpired(token, 300)) {
    console.log('Token expires within 5 minutes');
  }
}

// #### clearCache()
m2m.clearCache();

// #### revokeToken() (if supported)
await m2m.revokeToken();
