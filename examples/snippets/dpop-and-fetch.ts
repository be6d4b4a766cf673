// The snippets of docs/dpop-and-fetch.md and of the README's DPoP section, each in a block of its own.
// Type-checked only; the axios interceptor of that page is examples/microservices-dpop.ts, which runs
// (npm run examples -- microservices-dpop).
import { createPrivateKey } from 'node:crypto';
import { M2MClient } from '@passflow/core';

// ## Turning it on
{
  const m2m = new M2MClient({
    url: 'https://auth.yourapp.com',
    clientId: process.env.M2M_CLIENT_ID!,
    clientSecret: process.env.M2M_CLIENT_SECRET!,
    scopes: ['orders:read'],
    dpop: true,
  });

  const response = await m2m.fetch('https://api.yourapp.com/orders?status=open');
  // Another HTTP client (axios, got, ...): the headers for one request.
  const { authorization, dpop } = await m2m.authorizationHeaders('GET', 'https://api.yourapp.com/orders');
  void [response, authorization, dpop];
}

// ## Turning it on: a key of your own
{
  const m2m = new M2MClient({
    url: 'https://auth.yourapp.com',
    clientId: process.env.M2M_CLIENT_ID!,
    clientSecret: process.env.M2M_CLIENT_SECRET!,
    dpop: { privateKey: createPrivateKey(process.env.DPOP_PRIVATE_KEY_PEM!) },
  });
  void m2m;
}

// ## What happens on the wire: a server without DPoP
{
  const m2m = new M2MClient({
    url: 'https://auth.yourapp.com',
    clientId: process.env.M2M_CLIENT_ID!,
    clientSecret: process.env.M2M_CLIENT_SECRET!,
    dpop: true,
    onTokenResponse: (token) => {
      if (token.token_type !== 'DPoP')
        console.warn('the authorization server did not bind the token (no DPoP)');
    },
  });
  void m2m;
}

// ## m2m.fetch(input, init?)
{
  const m2m = new M2MClient({
    url: 'https://auth.yourapp.com',
    clientId: process.env.M2M_CLIENT_ID!,
    clientSecret: process.env.M2M_CLIENT_SECRET!,
    dpop: true,
  });
  const orders = await m2m.fetch('https://api.yourapp.com/orders', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() },
    body: JSON.stringify({ sku: 'sku-42', quantity: 2 }),
    scopes: ['orders:write'], // a token for other scopes than the client's default ones
    signal: AbortSignal.timeout(5000),
  });
  void orders;
}
