// Runs the guide's big examples as real processes: Prism from openapi/ as the authorization server,
// the loopback token server of the tests as the application APIs they call. The Express example,
// whose receiving service verifies the tokens it gets, has oidc-provider as its authorization server:
// its tokens are signed with keys it publishes, where Prism's example token is not. The DPoP example
// gets an oidc-provider that binds tokens to the client's key, and APIs that check every token and proof
// with @passflow/core/verify.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { freePort, type PrismProcess, startPrism } from '../../scripts/prism.mjs';
import { createM2MTokenVerifier, requireM2MToken } from '../../src/verify/index.js';
import {
  OIDC_RESOURCE,
  type OidcProviderServer,
  startOidcProvider,
} from '../../test/support/oidc-provider.js';
import { type ProcessResult, runProcess } from '../../test/support/process.js';
import {
  type RecordedRequest,
  type Step,
  startTokenServer,
  type TokenServer,
} from '../../test/support/token-server.js';
import { type RotatingAuthority, startRotatingAuthority } from './rotating-authority.js';

const ROOT = resolve(import.meta.dirname, '../..');

export const RUNNABLE = [
  'backend-service',
  'microservices',
  'scheduled-job',
  'multi-tenant',
  'express-middleware',
  'secret-rotation',
  'microservices-dpop',
] as const;
export type ExampleName = (typeof RUNNABLE)[number];

export type ExampleEnvironment = {
  env: Record<string, string>;
  /** The environment of one example: `env`, with what that example needs instead. */
  envFor: (name: ExampleName) => Record<string, string>;
  /** The authorization server of the rotation example: it checks the secret, and rotates it. */
  authority: RotatingAuthority;
  /** The application APIs: every request is recorded with its headers. */
  api: TokenServer;
  prism: PrismProcess;
  /** The authorization server of the Express example. */
  oidc: OidcProviderServer;
  /** The DPoP example's authorization server and the APIs that check its proofs. */
  dpop: { authorizationServer: OidcProviderServer; api: VerifiedApi };
  stop: () => Promise<void>;
};

/** The audience the Express example's internal service verifies, and the scope it requires. */
const INTERNAL_SERVICE = 'https://internal-service.com';

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

/** One request to the DPoP example's APIs, and the status they answered. */
export type VerifiedApiRequest = {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  status: number;
};

/** APIs behind `requireM2MToken`: a call reaches `apiRoutes` only with a valid token (and DPoP proof). */
export type VerifiedApi = { url: string; requests: VerifiedApiRequest[]; close: () => Promise<void> };

async function startVerifiedApi(issuer: string): Promise<VerifiedApi> {
  const guard = requireM2MToken(createM2MTokenVerifier({ url: issuer, audience: OIDC_RESOURCE }));
  const requests: VerifiedApiRequest[] = [];
  const server = createServer(async (req, res) => {
    let raw = '';
    for await (const chunk of req) raw += String(chunk);
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    res.on('finish', () => requests.push({ method, path, headers: req.headers, status: res.statusCode }));
    guard(req, res, (error) => {
      const step = error
        ? { status: 500, body: { error: 'server_error' } }
        : apiRoutes({ method, path, raw, headers: {}, form: {} });
      res
        .writeHead(step.status ?? 200, { 'content-type': 'application/json' })
        .end(JSON.stringify(step.body));
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

const DPOP_CLIENT = { clientId: 'order-service', clientSecret: 'order-service-secret-0123456789' };

/** oidc-provider binding tokens to the client's key (and asking for its nonce), and APIs checking them. */
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
  return { authorizationServer, api: await startVerifiedApi(authorizationServer.issuer) };
}

export async function startExampleEnvironment(): Promise<ExampleEnvironment> {
  // The Prism mock accepts any client; the spec's example client is used throughout.
  const clientId = 'your-client-id';
  const clientSecret = 'your-client-secret';
  const adminApiKey = 'example-admin-api-key';
  const [prism, api, oidc, internalServicePort, authority, dpop] = await Promise.all([
    startPrism(),
    startTokenServer(),
    startOidcProvider({
      clients: [
        {
          client_id: clientId,
          client_secret: clientSecret,
          token_endpoint_auth_method: 'client_secret_post',
        },
      ],
      scopes: ['data:read'],
      resource: INTERNAL_SERVICE,
    }),
    freePort(),
    startRotatingAuthority(clientId, clientSecret, adminApiKey),
    startDpopServers(),
  ]);
  api.setDefault(apiRoutes);
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
  const overrides: Partial<Record<ExampleName, Record<string, string>>> = {
    'express-middleware': {
      PASSFLOW_URL: oidc.issuer,
      INTERNAL_SERVICE_URL: `http://127.0.0.1:${internalServicePort}`,
    },
    'secret-rotation': { PASSFLOW_URL: authority.url, ADMIN_API_KEY: adminApiKey },
    'microservices-dpop': {
      PASSFLOW_URL: dpop.authorizationServer.issuer,
      ORDER_SERVICE_CLIENT_ID: DPOP_CLIENT.clientId,
      ORDER_SERVICE_CLIENT_SECRET: DPOP_CLIENT.clientSecret,
      INTERNAL_API_URL: dpop.api.url,
    },
  };
  return {
    env,
    envFor: (name) => ({ ...env, ...overrides[name] }),
    api,
    prism,
    oidc,
    authority,
    dpop,
    stop: async () => {
      await Promise.all([
        prism.stop(),
        api.close(),
        oidc.close(),
        authority.close(),
        dpop.authorizationServer.close(),
        dpop.api.close(),
      ]);
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
