// The guide's "Migration from Other OAuth Libraries" snippets, as written there; "before" and "after"
// in blocks of their own, their imports at the top. Type-checked only.

import { M2MClient } from '@passflow/core';
import ClientOAuth2 from 'client-oauth2';
import { ClientCredentials } from 'simple-oauth2';

// ### From client-oauth2
{
  // Before (client-oauth2)
  const oauth = new ClientOAuth2({
    clientId: 'client-id',
    clientSecret: 'client-secret',
    accessTokenUri: 'https://auth.example.com/oauth/token',
  });

  const token = await oauth.credentials.getToken();
}
{
  // After (@passflow/core)
  const m2m = new M2MClient({
    url: 'https://auth.example.com',
    clientId: 'client-id',
    clientSecret: 'client-secret',
  });

  const token = await m2m.getToken();
}

// ### From simple-oauth2
{
  // Before (simple-oauth2)
  const client = new ClientCredentials({
    client: { id: 'client-id', secret: 'client-secret' },
    auth: { tokenHost: 'https://auth.example.com' },
  });

  const token = await client.getToken({ scope: 'read write' });
}
{
  // After (@passflow/core)
  const m2m = new M2MClient({
    url: 'https://auth.example.com',
    clientId: 'client-id',
    clientSecret: 'client-secret',
    scopes: ['read', 'write'],
  });

  const token = await m2m.getToken();
}
