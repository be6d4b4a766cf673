import { readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrism } from '../../scripts/prism.mjs';
import { repoTempDir, startProcess } from '../support/process.js';
import {
  makeJwt,
  type RecordedRequest,
  type Step,
  startTokenServer,
  type TokenServer,
} from '../support/token-server.js';

const ROOT = resolve(import.meta.dirname, '../..');
const CLIENT_ID = 'your-client-id';
const SECRET = 'kit-s3cret-never-shown';
const CASES = [
  'valid token request',
  'scopes',
  'wrong secret',
  'disallowed scope',
  'unsupported grant',
  'revocation',
];

type Run = { code: number | null; output: string };

/** Runs the kit as a server team's CI would: a child process, credentials in the environment. */
async function runKit(command: string[], extraEnv: Record<string, string> = {}): Promise<Run> {
  const [bin = 'npm', ...args] = command;
  const run = startProcess(bin, args, {
    cwd: ROOT,
    env: { ...process.env, M2M_CLIENT_ID: CLIENT_ID, M2M_CLIENT_SECRET: SECRET, ...extraEnv },
    timeoutMs: 90_000,
  });
  const { code } = await run.exited;
  return { code, output: run.output() };
}

const kit = (...args: string[]) => [process.execPath, '--import', 'tsx', 'contract/run.ts', ...args];

function caseLine(output: string, name: string): string {
  return output.split('\n').find((line) => line.slice(6).startsWith(name)) ?? `(no line for ${name})`;
}

let dir: string;
beforeAll(async () => {
  dir = await repoTempDir('contract-kit-');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('contract kit against the Prism mock of the spec', () => {
  let mock: Awaited<ReturnType<typeof startPrism>>;
  beforeAll(async () => {
    mock = await startPrism();
  });
  afterAll(async () => {
    await mock.stop();
  });

  it('passes every case and writes a JUnit report (npm run contract)', async () => {
    const junit = join(dir, 'mock.xml');
    const run = await runKit(['npm', 'run', '-s', 'contract', '--', '--server', mock.url, '--junit', junit]);
    expect(run.output).toContain('6 cases: 6 passed, 0 failed');
    expect(run.code).toBe(0);
    for (const name of CASES) expect(caseLine(run.output, name)).toMatch(/^PASS {2}/);
    const report = await readFile(junit, 'utf8');
    expect(report).toContain('<testsuites name="passflow-m2m contract" tests="6" failures="0"');
    expect(report.match(/<testcase /g)).toHaveLength(6);
    expect(run.output + report).not.toContain(SECRET);
  });
});

/** An authorization server that follows RFC 6749 and the spec, scripted on the loopback token server. */
function conforming(jwt: string): (request: RecordedRequest) => Step {
  const allowed = new Set(['users:read', 'orders:write']);
  return (request) => {
    const basic = request.headers.authorization;
    const [id, secret] =
      typeof basic === 'string' && basic.startsWith('Basic ')
        ? Buffer.from(basic.slice(6), 'base64').toString().split(':').map(decodeURIComponent)
        : [request.form.client_id, request.form.client_secret];
    if (id !== CLIENT_ID || secret !== SECRET) {
      return {
        status: 401,
        headers: basic ? { 'www-authenticate': 'Basic realm="test"' } : {},
        body: { error: 'invalid_client', error_description: 'Client authentication failed' },
      };
    }
    if (request.path === '/oauth2/revoke') return { status: 200, body: '' };
    if (request.form.grant_type !== 'client_credentials') {
      return { status: 400, body: { error: 'unsupported_grant_type' } };
    }
    const scopes = request.form.scope?.split(' ') ?? [];
    if (scopes.some((scope) => !allowed.has(scope))) return { status: 400, body: { error: 'invalid_scope' } };
    return {
      body: {
        access_token: jwt,
        token_type: 'Bearer',
        expires_in: 900,
        ...(scopes.length > 0 && { scope: scopes.join(' ') }),
      },
    };
  };
}

describe('contract kit against local servers', () => {
  let server: TokenServer;
  beforeAll(async () => {
    server = await startTokenServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('passes a conforming server that ignores the Prefer hints, with client_secret_basic too', async () => {
    server.setDefault(conforming(await makeJwt({ client_id: CLIENT_ID, scopes: ['users:read'] })));
    const post = await runKit(kit('--server', server.url));
    expect(post.output).toContain('6 cases: 6 passed, 0 failed');
    expect(post.code).toBe(0);
    const basic = await runKit(kit('--server', server.url, '--auth-method', 'basic'));
    expect(basic.output).toContain('6 cases: 6 passed, 0 failed');
    expect(basic.code).toBe(0);
    expect(server.requests.some((r) => r.form.grant_type?.startsWith('urn:'))).toBe(true);
  });

  it('reports every deviation of a non-conforming server, with the spec violations, and fails', async () => {
    // 200 to everything, with token_type "mac" and expires_in as a string.
    server.setDefault({ body: { access_token: 'opaque', token_type: 'mac', expires_in: '3600' } });
    const junit = join(dir, 'bad.xml');
    const run = await runKit(kit('--server', server.url, '--junit', junit));
    expect(run.code).toBe(1);
    expect(run.output).toContain('6 cases: 0 passed, 6 failed');
    for (const name of CASES) expect(caseLine(run.output, name)).toMatch(/^FAIL {2}/);
    expect(run.output).toMatch(
      /spec violation at response\.body\.token_type: Response body property token_type must be equal to one of the allowed values: Bearer, DPoP/,
    );
    expect(run.output).toMatch(
      /spec violation at response\.body\.expires_in: Response body property expires_in must be integer/,
    );
    expect(run.output).toMatch(
      /a wrong client secret was accepted \(HTTP 200\): expected HTTP 401 invalid_client/,
    );
    expect(run.output).toMatch(
      /the scope "admin:all" was accepted \(HTTP 200\): expected HTTP 400 invalid_scope/,
    );
    expect(run.output).toMatch(/expected HTTP 400 unsupported_grant_type \(RFC 6749 §5\.2\), got HTTP 200/);
    expect(run.output).toMatch(/token_type must be "Bearer" \(got "mac"\)/);
    const report = await readFile(junit, 'utf8');
    expect(report).toContain('tests="6" failures="6"');
    expect(report.match(/<failure message="/g)).toHaveLength(6);
    expect(report).toContain('spec violation at response.body.expires_in');
    expect(run.output + report).not.toContain(SECRET);
  });

  it('fails the one case a nearly conforming server gets wrong', async () => {
    const good = conforming(await makeJwt({ client_id: CLIENT_ID, scopes: ['users:read'] }));
    // Answers a wrong secret with 400 invalid_request instead of 401 invalid_client.
    server.setDefault((request) => {
      const step = good(request);
      return step.status === 401 ? { status: 400, body: { error: 'invalid_request' } } : step;
    });
    const run = await runKit(kit('--server', server.url));
    expect(run.code).toBe(1);
    expect(run.output).toContain('6 cases: 5 passed, 1 failed');
    expect(caseLine(run.output, 'wrong secret')).toMatch(/^FAIL {2}wrong secret/);
    expect(run.output).toMatch(/expected HTTP 401 invalid_client, got HTTP 400 invalid_request/);
  });

  it('says so when the server does not answer at all', async () => {
    const closed = await startTokenServer();
    await closed.close();
    const run = await runKit(kit('--server', closed.url));
    expect(run.code).toBe(1);
    expect(run.output).toContain('6 cases: 0 passed, 6 failed');
    expect(run.output).toMatch(/proxy: the server did not answer: .*ECONNREFUSED/);
  });

  it('refuses a client secret on the command line', async () => {
    const run = await runKit(kit('--server', server.url, '--client-secret', 'hunter2'));
    expect(run.code).toBe(2);
    expect(run.output).toMatch(/^contract: usage: --client-secret is not accepted/m);
    expect(run.output).not.toContain('hunter2');
  });
});
