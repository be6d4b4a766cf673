// Runs the guide's big examples as real processes: Prism from openapi/ as the authorization server,
// the loopback token server of the tests as the application APIs they call. The DPoP example gets a
// real authorization server that binds tokens (oidc-provider) and APIs that check every proof.
import { resolve } from 'node:path';
import { type PrismProcess, startPrism } from '../../scripts/prism.mjs';
import { type OidcProviderServer, startOidcProvider } from '../../test/support/oidc-provider.js';
import { type ProcessResult, runProcess } from '../../test/support/process.js';
import { type ResourceServer, startResourceServer } from '../../test/support/resource-server.js';
import {
  type RecordedRequest,
  type Step,
  startTokenServer,
  type TokenServer,
} from '../../test/support/token-server.js';

const ROOT = resolve(import.meta.dirname, '../..');

export const RUNNABLE = [
  'backend-service',
  'microservices',
  'scheduled-job',
  'multi-tenant',
  'express-middleware',
  'microservices-dpop',
] as const;
export type ExampleName = (typeof RUNNABLE)[number];

export type ExampleEnvironment = {
  env: Record<string, string>;
  /** The application APIs: every request is recorded with its headers. */
  api: TokenServer;
  prism: PrismProcess;
  /** The DPoP example's authorization server and the APIs that check its proofs. */
  dpop: { authorizationServer: OidcProviderServer; api: ResourceServer };
  /** The environment of one example: the DPoP one talks to `dpop`'s servers. */
  envFor: (name: ExampleName) => Record<string, string>;
  stop: () => Promise<void>;
};

/** Answers of the application APIs the examples call. */
function apiRoutes(request: RecordedRequest): Step {
  const path = request.path.split('?')[0] ?? '';
  if (request.method === 'GET' && path === '/users') {
    return {
      body: [
        { id: 'u1', name: 'Ada' },
        { id: 'u2', name: 'Grace' },
      ],
    };
  }
  if (request.method === 'GET' && path.startsWith('/inventory/')) {
    return { body: { productId: path.slice('/inventory/'.length), quantity: 10 } };
  }
  if (request.method === 'POST' && path === '/payments') return { status: 201, body: { id: 'pay_1' } };
  if (request.method === 'POST' && path === '/orders') {
    return { status: 201, body: { id: 'ord_1', ...(JSON.parse(request.raw) as object) } };
  }
  if (request.method === 'GET' && path === '/tenant/data') {
    return { body: { tenant: 'tenant_01HZX3K8', records: 3 } };
  }
  if (request.method === 'GET' && path === '/data') {
    return { body: [{ id: 1 }, { id: 2 }, { id: 3 }] };
  }
  return { status: 404, body: { error: 'not_found' } };
}

const DPOP_CLIENT = { clientId: 'order-service', clientSecret: 'order-service-secret-0123456789' };

/** oidc-provider binding tokens to the client's key (and asking for its nonce), and APIs checking proofs. */
async function startDpopServers(): Promise<ExampleEnvironment['dpop']> {
  const authorizationServer = await startOidcProvider({
    clients: [
      {
        client_id: DPOP_CLIENT.clientId,
        client_secret: DPOP_CLIENT.clientSecret,
        token_endpoint_auth_method: 'client_secret_post',
        dpop_bound_access_tokens: true,
      },
    ],
    scopes: ['orders:write', 'inventory:read', 'payments:process'],
    dpop: { requireNonce: true },
  });
  const api = await startResourceServer({
    issuerKeys: authorizationServer.publicKeys,
    answer: ({ method, path, body }) => {
      const { status, body: answer } = apiRoutes({ method, path, raw: body, headers: {}, form: {} });
      return { body: answer, ...(status !== undefined && { status }) };
    },
  });
  return { authorizationServer, api };
}

export async function startExampleEnvironment(): Promise<ExampleEnvironment> {
  const [prism, api, dpop] = await Promise.all([startPrism(), startTokenServer(), startDpopServers()]);
  api.setDefault(apiRoutes);
  // The Prism mock accepts any client; the spec's example client is used throughout.
  const clientId = 'your-client-id';
  const clientSecret = 'your-client-secret';
  const env = {
    PASSFLOW_URL: prism.url,
    M2M_CLIENT_ID: clientId,
    M2M_CLIENT_SECRET: clientSecret,
    ORDER_SERVICE_CLIENT_ID: clientId,
    ORDER_SERVICE_CLIENT_SECRET: clientSecret,
    SYNC_JOB_CLIENT_ID: clientId,
    SYNC_JOB_CLIENT_SECRET: clientSecret,
    TENANT_CREDENTIALS: JSON.stringify({ tenant_01HZX3K8: { clientId, clientSecret } }),
    INTERNAL_API_URL: api.url,
    API_URL: api.url,
    EXAMPLES_API_STUB: api.url,
    EXAMPLE_RUN_ONCE: '1',
  };
  const dpopEnv = {
    ...env,
    PASSFLOW_URL: dpop.authorizationServer.issuer,
    ORDER_SERVICE_CLIENT_ID: DPOP_CLIENT.clientId,
    ORDER_SERVICE_CLIENT_SECRET: DPOP_CLIENT.clientSecret,
    INTERNAL_API_URL: dpop.api.url,
  };
  return {
    env,
    api,
    prism,
    dpop,
    envFor: (name) => (name === 'microservices-dpop' ? dpopEnv : env),
    stop: async () => {
      await Promise.all([prism.stop(), api.close(), dpop.authorizationServer.close(), dpop.api.close()]);
    },
  };
}

export type ExampleRun = ProcessResult;

/** Runs `tsx examples/<name>.ts` with the environment, bounded to 30 s. */
export function runExample(name: ExampleName, env: Record<string, string>): Promise<ExampleRun> {
  return runProcess(
    process.execPath,
    ['--import', 'tsx', '--import', './examples/support/local-apis.ts', `examples/${name}.ts`],
    { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, timeoutMs: 30_000 },
  );
}
