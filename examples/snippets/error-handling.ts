// The guide's "Error Handling" snippets (Error Types, Retry Logic, Custom Retry Strategy), as written
// there. Type-checked only.
import { M2MClient, M2MError, M2MErrorCode, type RetryStrategy } from '@passflow/core';

// The client the guide created earlier, used by the Error Types snippet.
declare const m2m: M2MClient;

// ### Error Types
try {
  const token = await m2m.getToken();
} catch (error) {
  if (error instanceof M2MError) {
    console.error(`Error Code: ${error.code}`);
    console.error(`Message: ${error.message}`);
    console.error(`Status: ${error.status}`);

    switch (error.code) {
      case M2MErrorCode.InvalidClient:
        console.error('Invalid client credentials');
        break;
      case M2MErrorCode.InvalidScope:
        console.error('Requested scope not allowed');
        break;
      case M2MErrorCode.RateLimitExceeded:
        console.error('Rate limit exceeded, retry later');
        break;
      case M2MErrorCode.ServerError:
        console.error('Server error, retry with backoff');
        break;
    }
  }
}

// ### Retry Logic
{
  const m2m = new M2MClient({
    url: 'https://auth.yourapp.com',
    clientId: 'your-client-id',
    clientSecret: 'your-client-secret',
    retries: 3, // Retry up to 3 times
    retryDelay: 1000, // Wait 1 second between retries
  });
}

// ### Custom Retry Strategy
{
  const exponentialBackoff: RetryStrategy = {
    shouldRetry: (error, attempt) => {
      // Retry on network errors and 5xx responses
      return (
        attempt < 5 &&
        (error.code === 'server_error' || error.code === 'temporarily_unavailable' || error.status >= 500)
      );
    },
    getDelay: (attempt) => {
      // Exponential backoff: 1s, 2s, 4s, 8s, 16s
      return 2 ** attempt * 1000;
    },
  };

  const m2m = new M2MClient({
    url: 'https://auth.yourapp.com',
    clientId: 'your-client-id',
    clientSecret: 'your-client-secret',
    retryStrategy: exponentialBackoff,
  });
}
