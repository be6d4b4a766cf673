// Child process of bench/peers.ts (run with `node --expose-gc --import tsx`): heap taken by N instances
// of one library, each holding a cached token of its own. Prints one JSON line: { bytes, how }.
// Tokens come from an in-memory fetch where the library takes one (no sockets: only the instances and
// what they keep are measured); simple-oauth2, which has no fetch option, gets its token through
// createToken(), its documented way to hold a token.
import { OAuth2Client, OAuth2Fetch } from '@badgateway/oauth2-client';
import * as oidc from 'openid-client';
import { ClientCredentials } from 'simple-oauth2';
import { M2MClient } from '../src/index.js';
import { makeJwt } from '../test/support/token-server.js';

const [lib = '@passflow/core', count = '10000'] = process.argv.slice(2);
const instances = Number(count);
const url = 'http://127.0.0.1:9';
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

const jwt = await makeJwt({ client_id: 'bench-client', scopes: ['orders:read', 'orders:write'] });
let serial = 0;
/** A token response with an access token of its own (JSON.parse makes a fresh string each time). */
const body = () =>
  `{"access_token":"${jwt}.${++serial}","token_type":"Bearer","expires_in":3600,"scope":"orders:read orders:write"}`;
const tokenFetch: typeof fetch = async () =>
  new Response(body(), { headers: { 'content-type': 'application/json' } });

type Maker = { how: string; make: (i: number) => Promise<unknown> };

const makers: Record<string, Maker> = {
  '@passflow/core': {
    how: 'M2MClient after getToken()',
    make: async (i) => {
      const client = new M2MClient({ url, clientId: `svc-${i}`, clientSecret: 'secret', fetch: tokenFetch });
      await client.getToken();
      return client;
    },
  },
  'openid-client': {
    how: 'Configuration + the clientCredentialsGrant() result (no cache of its own)',
    make: async (i) => {
      const config = new oidc.Configuration(
        { issuer: url, token_endpoint: `${url}/oauth2/token` },
        `svc-${i}`,
        'secret',
      );
      oidc.allowInsecureRequests(config);
      config[oidc.customFetch] = tokenFetch as unknown as oidc.CustomFetch;
      return [config, await oidc.clientCredentialsGrant(config)];
    },
  },
  'simple-oauth2': {
    how: 'ClientCredentials + AccessToken (createToken)',
    make: async (i) => {
      const client = new ClientCredentials({
        client: { id: `svc-${i}`, secret: 'secret' },
        auth: { tokenHost: url, tokenPath: '/oauth2/token' },
        options: { authorizationMethod: 'body' },
      });
      return [client, client.createToken(JSON.parse(body()))];
    },
  },
  '@badgateway/oauth2-client': {
    how: 'OAuth2Client + OAuth2Fetch after getToken()',
    make: async (i) => {
      const client = new OAuth2Client({
        server: url,
        clientId: `svc-${i}`,
        clientSecret: 'secret',
        tokenEndpoint: '/oauth2/token',
        authenticationMethod: 'client_secret_post',
        fetch: tokenFetch,
      });
      const viaFetch = new OAuth2Fetch({
        client,
        getNewToken: () => client.clientCredentials(),
        scheduleRefresh: false,
      });
      await viaFetch.getToken();
      return viaFetch;
    },
  },
};

const maker = makers[lib];
if (!maker) throw new Error(`unknown library ${lib}`);

async function settledHeap(): Promise<number> {
  // Finalizers run between collections; a few rounds reach a steady heap.
  for (let round = 0; round < 4; round++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    gc?.();
  }
  return process.memoryUsage().heapUsed;
}

// Warm up the code paths (compiled code and inline caches are not per-instance memory).
let warmUp: unknown[] | null = [];
for (let i = 0; i < 200; i++) warmUp.push(await maker.make(-i));
warmUp = null;

const before = await settledHeap();
const kept: unknown[] = [];
for (let i = 0; i < instances; i++) kept.push(await maker.make(i));
const after = await settledHeap();
// `kept` is read after the measurement so that it stays reachable through it.
console.log(JSON.stringify({ bytes: after - before, how: maker.how, instances: kept.length }));
