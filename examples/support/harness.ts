// Runs the guide's big examples as real processes: Prism from openapi/ as the authorization server,
// the loopback token server of the tests as the application APIs they call.
import { resolve } from 'node:path';
import { type PrismProcess, startPrism } from '../../scripts/prism.mjs';
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
] as const;
export type ExampleName = (typeof RUNNABLE)[number];

export type ExampleEnvironment = {
  env: Record<string, string>;
  /** The environment of each example that differs from `env`. */
  envOf: (name: ExampleName) => Record<string, string>;
  /** The authorization server of the rotation example: it checks the secret, and rotates it. */
  authority: RotatingAuthority;
  /** The application APIs: every request is recorded with its headers. */
  api: TokenServer;
  prism: PrismProcess;
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

export async function startExampleEnvironment(): Promise<ExampleEnvironment> {
  const adminApiKey = 'example-admin-api-key';
  const [prism, api, authority] = await Promise.all([
    startPrism(),
    startTokenServer(),
    startRotatingAuthority('your-client-id', 'your-client-secret', adminApiKey),
  ]);
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
  const rotation = { ...env, PASSFLOW_URL: authority.url, ADMIN_API_KEY: adminApiKey };
  return {
    env,
    envOf: (name) => (name === 'secret-rotation' ? rotation : env),
    authority,
    api,
    prism,
    stop: async () => {
      await Promise.all([prism.stop(), api.close(), authority.close()]);
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
