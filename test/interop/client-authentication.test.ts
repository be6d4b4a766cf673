// Every client authentication method against oidc-provider, a certified OpenID provider: a token for
// each, revocation with an assertion, and a secret rotated on the server that the client recovers from.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { decodeJwt, exportJWK, generateKeyPair } from 'jose';
import type { ClientMetadata } from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { M2MClient, type M2MClientConfig } from '../../src/index.js';
import { OIDC_RESOURCE, type OidcProviderServer, startOidcProvider } from '../support/oidc-provider.js';

type KeyPair = { privateKey: KeyObject; publicKey: KeyObject };
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }) as KeyPair;
const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' }) as KeyPair;
const ed25519 = generateKeyPairSync('ed25519') as KeyPair;
const publicJwk = (pair: KeyPair, kid: string) => ({ ...pair.publicKey.export({ format: 'jwk' }), kid });

const HMAC_SECRET = 'client-secret-jwt-secret-0123456789abcdef';
const ROTATING = 'rotating-client';

/** A client registered for one method, and the client configuration that authenticates as it. */
type Case = {
  name: string;
  metadata: Omit<ClientMetadata, 'client_id'>;
  config: Omit<M2MClientConfig, 'url' | 'clientId'>;
};

const CASES: Case[] = [
  {
    name: 'client_secret_post',
    metadata: { client_secret: 'post-secret-0123456789', token_endpoint_auth_method: 'client_secret_post' },
    config: { clientSecret: 'post-secret-0123456789' },
  },
  {
    name: 'client_secret_basic',
    metadata: { client_secret: 'basic secret+/=:%', token_endpoint_auth_method: 'client_secret_basic' },
    config: { clientSecret: 'basic secret+/=:%', authMethod: 'client_secret_basic' },
  },
  {
    name: 'private_key_jwt with an RSA key (PKCS#8 PEM, RS256)',
    metadata: { token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [publicJwk(rsa, 'rsa-1')] } },
    config: {
      authMethod: 'private_key_jwt',
      privateKey: rsa.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
      privateKeyId: 'rsa-1',
    },
  },
  {
    name: 'private_key_jwt with an RSA key, PS256',
    metadata: {
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'PS256',
      jwks: { keys: [publicJwk(rsa, 'rsa-1')] },
    },
    config: { authMethod: 'private_key_jwt', privateKey: rsa.privateKey, signingAlgorithm: 'PS256' },
  },
  {
    name: 'private_key_jwt with an EC P-256 key (JWK, ES256)',
    metadata: { token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [publicJwk(p256, 'ec-1')] } },
    config: {
      authMethod: 'private_key_jwt',
      privateKey: p256.privateKey.export({ format: 'jwk' }),
      privateKeyId: 'ec-1',
    },
  },
  {
    name: 'private_key_jwt with an Ed25519 key (KeyObject, EdDSA)',
    metadata: { token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [publicJwk(ed25519, 'ed-1')] } },
    config: { authMethod: 'private_key_jwt', privateKey: ed25519.privateKey },
  },
  {
    name: 'client_secret_jwt (HS256)',
    metadata: { client_secret: HMAC_SECRET, token_endpoint_auth_method: 'client_secret_jwt' },
    config: { authMethod: 'client_secret_jwt', clientSecret: HMAC_SECRET },
  },
];

const clientIdOf = (index: number) => `client-${index}`;
let server: OidcProviderServer;
let registered: ClientMetadata[];

beforeAll(async () => {
  registered = [
    ...CASES.map((c, index) => ({ ...c.metadata, client_id: clientIdOf(index) })),
    {
      client_id: ROTATING,
      client_secret: 'secret-before-rotation',
      token_endpoint_auth_method: 'client_secret_post',
    },
  ];
  // No default resource: a token for OIDC_RESOURCE is a JWT to read, one without it is opaque and revocable.
  server = await startOidcProvider({ clients: registered, resource: null });
});
afterAll(() => server.close());

const clientFor = (clientId: string, config: Omit<M2MClientConfig, 'url' | 'clientId'>) =>
  new M2MClient({ url: server.issuer, clientId, retryDelay: 1, ...config });

describe('a token for every client authentication method', () => {
  it.each(CASES.map((c, index) => [c.name, index] as const))('%s', async (_name, index) => {
    const clientId = clientIdOf(index);
    const config = (CASES[index] as Case).config;
    const before = server.requests.length;
    const jwt = await clientFor(clientId, config).getToken({
      scopes: ['users:read'],
      resource: OIDC_RESOURCE,
    });
    expect(decodeJwt(jwt.access_token)).toMatchObject({
      client_id: clientId,
      iss: server.issuer,
      scope: 'users:read',
    });
    // Opaque tokens, which oidc-provider revokes: a second one is a new assertion (a replayed jti
    // would be refused), and revocation authenticates the same way (RFC 7009 §2.1).
    const m2m = clientFor(clientId, config);
    await m2m.getToken();
    await m2m.getToken({ forceRefresh: true });
    await m2m.revokeToken();
    expect(server.requests.slice(before).map((r) => `${r.path} ${r.status}`)).toEqual([
      '/oauth2/token 200',
      '/oauth2/token 200',
      '/oauth2/token 200',
      '/oauth2/revoke 200',
    ]);
  });

  it("a key the server does not know for the client is the server's invalid_client, sent once", async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const m2m = clientFor(clientIdOf(4), { authMethod: 'private_key_jwt', privateKey, retries: 3 });
    const before = server.requests.length;
    await expect(m2m.getToken()).rejects.toMatchObject({ code: 'invalid_client', status: 401 });
    expect(server.requests.length - before).toBe(1);
  });

  it("assertionAudience: 'issuer' is accepted too", async () => {
    const index = CASES.findIndex((c) => c.name.startsWith('private_key_jwt with an EC'));
    const m2m = clientFor(clientIdOf(index), {
      ...(CASES[index] as Case).config,
      assertionAudience: 'issuer',
    });
    const token = await m2m.getToken({ resource: OIDC_RESOURCE });
    expect(decodeJwt(token.access_token).client_id).toBe(clientIdOf(index));
  });
});

describe('a secret rotated on the server', () => {
  /** The server now knows only `secret` for the rotating client; tokens issued before are forgotten. */
  const rotateOnServer = (secret: string) =>
    server.reconfigure({
      clients: registered.map((client) =>
        client.client_id === ROTATING ? { ...client, client_secret: secret } : client,
      ),
    });

  it('the client recovers with exactly one extra request: refused, re-read, sent once more', async () => {
    await rotateOnServer('secret-before-rotation');
    let vault = 'secret-before-rotation';
    let reads = 0;
    const m2m = clientFor(ROTATING, {
      clientSecret: async () => {
        reads++;
        return vault;
      },
    });
    await m2m.getToken();
    await rotateOnServer('secret-after-rotation-1');
    vault = 'secret-after-rotation-1';
    const before = server.requests.length;
    const token = await m2m.getToken({ forceRefresh: true, resource: OIDC_RESOURCE });
    expect(decodeJwt(token.access_token).client_id).toBe(ROTATING);
    expect(server.requests.slice(before).map((r) => r.status)).toEqual([401, 200]);
    expect(reads).toBe(2);
  });

  it("the guide's flow: rotate, store in the vault, clearCache(), and the next request uses the new secret", async () => {
    await rotateOnServer('secret-after-rotation-1');
    let vault = 'secret-after-rotation-1';
    const m2m = clientFor(ROTATING, { clientSecret: () => vault });
    await m2m.getToken();
    await rotateOnServer('secret-after-rotation-2');
    vault = 'secret-after-rotation-2';
    m2m.clearCache();
    const before = server.requests.length;
    await m2m.getToken();
    expect(server.requests.slice(before).map((r) => r.status)).toEqual([200]);
  });

  it('without a provider the client cannot recover: one refused request', async () => {
    await rotateOnServer('secret-after-rotation-2');
    const m2m = clientFor(ROTATING, { clientSecret: 'secret-after-rotation-1', retries: 3 });
    const before = server.requests.length;
    await expect(m2m.getToken()).rejects.toMatchObject({ code: 'invalid_client', status: 401 });
    expect(server.requests.length - before).toBe(1);
  });
});

it('an extractable Web Crypto CryptoKey works as privateKey too', async () => {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  await server.reconfigure({
    clients: [
      ...registered,
      {
        client_id: 'cryptokey-client',
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [await exportJWK(publicKey)] },
      },
    ],
  });
  const token = await clientFor('cryptokey-client', { authMethod: 'private_key_jwt', privateKey }).getToken({
    resource: OIDC_RESOURCE,
  });
  expect(decodeJwt(token.access_token).client_id).toBe('cryptokey-client');
});
