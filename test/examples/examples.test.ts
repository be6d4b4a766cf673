import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ExampleEnvironment,
  type ExampleName,
  runExample,
  startExampleEnvironment,
} from '../../examples/support/harness.js';

const ROOT = resolve(import.meta.dirname, '../..');

describe("the guide's examples, run against Prism and a local API", () => {
  let environment: ExampleEnvironment;
  let prismToken: string;
  beforeAll(async () => {
    environment = await startExampleEnvironment();
    const response = await fetch(`${environment.prism.url}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'c', client_secret: 's' }),
    });
    prismToken = ((await response.json()) as { access_token: string }).access_token;
  });
  afterAll(async () => {
    await environment.stop();
  });

  /** Runs an example; resolves to its stdout and the API calls it made, in order. */
  async function run(name: ExampleName) {
    const before = environment.api.requests.length;
    const result = await runExample(name, environment.envFor(name));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const calls = environment.api.requests.slice(before);
    for (const call of calls) expect(call.headers.authorization).toBe(`Bearer ${prismToken}`);
    return { stdout: result.stdout, calls: calls.map((call) => `${call.method} ${call.path}`) };
  }

  it('backend service: fetchUsers() calls the API with the token', async () => {
    const { stdout, calls } = await run('backend-service');
    expect(stdout).toBe('fetched 2 users: Ada, Grace\n');
    expect(calls).toEqual(['GET /users']);
  });

  it('microservices: the axios interceptor authorises every call of createOrder()', async () => {
    const { stdout, calls } = await run('microservices');
    expect(stdout).toBe('created order ord_1 (payment pay_1) for 2 x sku-42\n');
    expect(calls).toEqual(['GET /inventory/sku-42', 'POST /payments', 'POST /orders']);
  });

  it('microservices with DPoP: authorizationHeaders() in the axios interceptor, every proof checked by the API', async () => {
    const api = environment.dpop.api;
    const before = api.requests.length;
    const result = await runExample('microservices-dpop', environment.envFor('microservices-dpop'));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      'created order ord_1 (payment pay_1) for 2 x sku-42, with DPoP-bound tokens\n',
    );
    const calls = api.requests.slice(before);
    expect(calls.map((call) => `${call.method} ${call.path} ${call.status}`)).toEqual([
      'GET /inventory/sku-42 200',
      'POST /payments 201',
      'POST /orders 201',
    ]);
    const [first] = calls;
    const token = String(first?.headers.authorization).replace(/^DPoP /, '');
    const claims = decodeJwt(token);
    for (const call of calls) {
      expect(call.headers.authorization).toBe(`DPoP ${token}`);
      expect(decodeJwt(String(call.headers.dpop)).htu).toBe(`${api.url}${call.path}`);
    }
    const jwk = decodeProtectedHeader(String(first?.headers.dpop)).jwk ?? {};
    expect((claims.cnf as { jkt?: string }).jkt).toBe(await calculateJwkThumbprint(jwk));
    // The authorization server asked for its nonce once: the token request was answered with it.
    const tokenRequests = environment.dpop.authorizationServer.requests.filter(
      (r) => r.path === '/oauth2/token',
    );
    expect(tokenRequests.slice(-2).map((r) => r.status)).toEqual([400, 200]);
  });

  it('scheduled job: runs the cron job once and exits', async () => {
    const { stdout, calls } = await run('scheduled-job');
    expect(stdout).toBe(
      'Starting data sync job...\nstoring 3 records\nSync completed: 3 records processed\n',
    );
    expect(calls).toEqual(['GET /data']);
  });

  it("multi-tenant: a client per tenant, the token's tenant_id claim", async () => {
    const { stdout, calls } = await run('multi-tenant');
    expect(stdout).toBe('Fetching data for tenant: tenant_01HZX3K8\ntenant tenant_01HZX3K8: 3 records\n');
    expect(calls).toEqual(['GET /tenant/data']);
  });

  it("secret rotation: the guide's rotateM2MSecret() as printed, and a replica that recovers by itself", async () => {
    const before = environment.authority.requests().length;
    const result = await runExample('secret-rotation', environment.envFor('secret-rotation'));
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toBe(
      [
        'both instances have a token',
        'rotated: the service got a token with the new secret, without a restart',
        'the replica recovered on its own after one refused request',
        '',
      ].join('\n'),
    );
    const rotate = '/admin/m2m/your-client-id/rotate-secret';
    expect(
      environment.authority
        .requests()
        .slice(before)
        .map((r) => `${r.path} ${r.status}`),
    ).toEqual([
      '/oauth2/token 200',
      '/oauth2/token 200',
      `${rotate} 200`,
      '/oauth2/token 200',
      '/oauth2/token 401',
      '/oauth2/token 200',
    ]);
  });

  it('express middleware: the route forwards with the injected token, which the internal service verifies', async () => {
    const { oidc } = environment;
    const before = oidc.requests.length;
    const { stdout, calls } = await run('express-middleware');
    expect(stdout).toBe(
      'GET /api/internal/data -> 200 {"caller":"your-client-id","items":[{"id":1},{"id":2},{"id":3}]}\n' +
        'GET internal-service /data without a token -> 401 ' +
        'Bearer, DPoP algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519"\n',
    );
    expect(calls).toEqual([]);
    // One token from the authorization server, and one fetch of its keys by the receiving service.
    expect(oidc.requests.slice(before).map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      'POST /oauth2/token 200',
      'GET /.well-known/jwks.json 200',
    ]);
  });
});

describe("the guide's examples are type-checked", () => {
  it('npm run typecheck covers every file under examples/', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', ROOT, '--listFilesOnly'],
      { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 },
    );
    const checked = new Set(stdout.split('\n').map((file) => relative(ROOT, file.trim())));
    const files = (await readdir(join(ROOT, 'examples'), { recursive: true }))
      .filter((file) => file.endsWith('.ts'))
      .map((file) => join('examples', file));
    expect(files.length).toBeGreaterThanOrEqual(20);
    for (const file of files) expect(checked, file).toContain(file);
  });
});
