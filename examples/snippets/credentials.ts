// The snippets of docs/credentials.md and of the README's "Client credentials", as printed there, each in
// a block of its own. Type-checked only; test/examples/docs.test.ts checks that every one of them is here.

import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { M2MClient } from '@passflow/core';

// The vault of the application, not part of this package.
declare function readSecretFromVault(name: string): Promise<string>;

// ## The client secret, from where you keep it
{
  const m2m = new M2MClient({
    url: 'https://auth.yourapp.com',
    clientId: process.env.M2M_CLIENT_ID!,
    // A Kubernetes secret mounted as a file: it changes on disk when the secret is rotated.
    clientSecret: async () => (await readFile('/run/secrets/m2m-client-secret', 'utf8')).trim(),
  });
}

// ### Rotating without a restart
{
  const m2mService = new M2MClient({
    url: process.env.PASSFLOW_URL!,
    clientId: process.env.M2M_CLIENT_ID!,
    clientSecret: () => readSecretFromVault('m2m-client-secret'),
    autoRefresh: true,
  });
}

// ## `private_key_jwt`: a private key instead of a secret
{
  const m2m = new M2MClient({
    url: 'https://auth.yourapp.com',
    clientId: process.env.M2M_CLIENT_ID!,
    authMethod: 'private_key_jwt',
    privateKey: readFileSync('/run/secrets/m2m-key.pem', 'utf8'), // PKCS#8: -----BEGIN PRIVATE KEY-----
    privateKeyId: '2026-11', // the kid the server knows the public key by
  });
}

// ## `client_secret_jwt`: an assertion over the secret
{
  const m2m = new M2MClient({
    url: 'https://auth.yourapp.com',
    clientId: process.env.M2M_CLIENT_ID!,
    clientSecret: process.env.M2M_CLIENT_SECRET!, // or a function, as above
    authMethod: 'client_secret_jwt',
  });
}

// README: ## Client credentials
{
  const m2m = new M2MClient({
    url: 'https://auth.yourapp.com',
    clientId: process.env.M2M_CLIENT_ID!,
    // Read lazily, again after clearCache(), and once more after invalid_client.
    clientSecret: async () => (await readFile('/run/secrets/m2m-client-secret', 'utf8')).trim(),
    authMethod: 'client_secret_basic', // or 'client_secret_post' (default), or 'client_secret_jwt'
  });
}
{
  const m2m = new M2MClient({
    url: 'https://auth.yourapp.com',
    clientId: process.env.M2M_CLIENT_ID!,
    authMethod: 'private_key_jwt',
    privateKey: readFileSync('/run/secrets/m2m-key.pem', 'utf8'), // PKCS#8 PEM; also a JWK, KeyObject or CryptoKey
    privateKeyId: '2026-11',
  });
}
