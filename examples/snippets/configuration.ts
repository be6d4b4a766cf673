// The guide's "M2M Client › Configuration" snippet, as written there. Type-checked only.
import { M2MClient, type M2MClientConfig } from '@passflow/core';

const config: M2MClientConfig = {
  // Required
  url: 'https://auth.yourapp.com', // Passflow server URL
  clientId: 'your-client-id', // M2M app client ID
  clientSecret: 'your-client-secret', // M2M app client secret

  // Optional
  scopes: ['users:read', 'orders:write'], // Scopes to request
  audience: ['https://api.yourapp.com'], // Target audiences
  autoRefresh: true, // Auto-refresh tokens (default: false)
  refreshThreshold: 60, // Seconds before expiry to refresh (default: 30)
  timeout: 10000, // Request timeout in ms (default: 10000)
  retries: 3, // Number of retry attempts (default: 3)
  retryDelay: 1000, // Delay between retries in ms (default: 1000)
};

const m2m = new M2MClient(config);
