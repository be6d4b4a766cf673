// The guide's "Best Practices" snippets 1, 2, 3 and 6, as written there, each in a block of its own.
// Type-checked only. (4 and 5 share a module-level export: best-practices-caching.ts.)

import { SecretsManager } from '@aws-sdk/client-secrets-manager';
import { M2MClient, M2MError } from '@passflow/core';

// ### 1. Secure Credential Storage
{
  // ❌ Bad - hardcoded credentials
  // The guide's snippet omits `url`, which M2MClientConfig requires: it does not type-check as printed.
  // @ts-expect-error
  const m2m = new M2MClient({
    clientId: 'abc123',
    clientSecret: 'super-secret-key',
  });
}
{
  // ✅ Good - environment variables
  const m2m = new M2MClient({
    url: process.env.PASSFLOW_URL!,
    clientId: process.env.M2M_CLIENT_ID!,
    clientSecret: process.env.M2M_CLIENT_SECRET!,
  });
}

// Use secret managers in production
{
  const secretsManager = new SecretsManager({ region: 'us-east-1' });

  async function getM2MClient(): Promise<M2MClient> {
    const secret = await secretsManager.getSecretValue({
      SecretId: 'passflow/m2m-credentials',
    });

    const credentials = JSON.parse(secret.SecretString!);

    return new M2MClient({
      url: credentials.url,
      clientId: credentials.clientId,
      clientSecret: credentials.clientSecret,
    });
  }
}

// ### 2. Request Minimum Required Scopes
{
  // ❌ Bad - requesting all scopes
  // The guide's snippet omits `url`, which M2MClientConfig requires: it does not type-check as printed.
  // @ts-expect-error
  const m2m = new M2MClient({
    clientId: process.env.M2M_CLIENT_ID!,
    clientSecret: process.env.M2M_CLIENT_SECRET!,
    scopes: ['users:read', 'users:write', 'admin:all', 'orders:*'],
  });
}
{
  // ✅ Good - request only what you need
  // The guide's snippet omits `url`, which M2MClientConfig requires: it does not type-check as printed.
  // @ts-expect-error
  const m2m = new M2MClient({
    clientId: process.env.M2M_CLIENT_ID!,
    clientSecret: process.env.M2M_CLIENT_SECRET!,
    scopes: ['users:read'], // Only read access needed
  });
}

// ### 3. Handle Rate Limits Gracefully
{
  async function getTokenWithRateLimitHandling(m2m: M2MClient): Promise<string> {
    try {
      const token = await m2m.getToken();
      return token.access_token;
    } catch (error) {
      if (error instanceof M2MError && error.code === 'rate_limit_exceeded') {
        // Check rate limit headers
        const retryAfter = error.headers?.['retry-after'];
        const waitTime = retryAfter ? parseInt(retryAfter) * 1000 : 60000;

        console.log(`Rate limited. Retrying in ${waitTime}ms`);
        await new Promise((resolve) => setTimeout(resolve, waitTime));

        return getTokenWithRateLimitHandling(m2m);
      }
      throw error;
    }
  }
}

// ### 6. Log Token Usage (Without Exposing Secrets)
{
  const m2m = new M2MClient({
    url: process.env.PASSFLOW_URL!,
    clientId: process.env.M2M_CLIENT_ID!,
    clientSecret: process.env.M2M_CLIENT_SECRET!,
    onTokenRequest: (request) => {
      // ✅ Log request metadata, not secrets
      console.log('Token requested', {
        clientId: request.clientId,
        scopes: request.scopes,
        timestamp: new Date().toISOString(),
      });
    },
    onTokenResponse: (response) => {
      console.log('Token received', {
        expiresIn: response.expires_in,
        scopes: response.scope,
        tokenType: response.token_type,
      });
    },
  });
}
