// The contract kit against the Prism mock of the spec and scripted loopback servers: the verdicts, the
// report, and the setup errors that stop it before any case runs.
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrism } from '../../scripts/prism.mjs';
import { repoTempDir } from '../support/process.js';
import {
  makeJwt,
  type RecordedRequest,
  type Step,
  startTokenServer,
  type TokenServer,
} from '../support/token-server.js';
import { type CheckedServer, caseLine, checkedServer, checkLines, runKit } from './run-kit.js';

const CLIENT_ID = 'your-client-id';
const SECRET = 'kit-s3cret-never-shown';
const CREDENTIALS = { clientId: CLIENT_ID, secret: SECRET };
const CASES = [
  'valid token request',
  'scopes',
  'audience',
  'wrong secret',
  'disallowed scope',
  'unsupported grant',
  'revocation',
  'jwks',
];

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

  it('passes every case but jwks, which does not apply to its HS256 example token (npm run contract)', async () => {
    const junit = join(dir, 'mock.xml');
    const args = ['--server', mock.url, '--audience', 'https://api.yourapp.com', '--junit', junit];
    const run = await runKit(args, CREDENTIALS, ['npm', 'run', '-s', 'contract', '--']);
    expect(run.stdout).toContain('8 cases: 7 passed, 0 failed, 1 not applicable');
    expect(run.code).toBe(0);
    for (const name of CASES.filter((n) => n !== 'jwks'))
      expect(caseLine(run.stdout, name)).toMatch(/^PASS {2}/);
    expect(caseLine(run.stdout, 'jwks')).toBe('N/A   jwks');
    expect(checkLines(run.stdout, 'jwks')).toContain(
      "n/a   signature verifies with the JWK Set: signed with HS256, a shared secret: a JWK Set publishes public keys only [RFC 9068 §4 (the resource server verifies the signature with the issuer's keys)]",
    );
    const report = await readFile(junit, 'utf8');
    expect(report).toContain('<testsuites name="passflow-m2m contract" tests="8" failures="0" skipped="1"');
    expect(report.match(/<testcase /g)).toHaveLength(8);
    expect(report).toContain('<skipped message="not applicable: signed with HS256');
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
      headers: { 'cache-control': 'no-store' },
      body: {
        access_token: jwt,
        token_type: 'Bearer',
        expires_in: 900,
        ...(scopes.length > 0 && { scope: scopes.join(' ') }),
      },
    };
  };
}

describe('contract kit against scripted loopback servers', () => {
  let server: TokenServer;
  let kit: CheckedServer;
  beforeAll(async () => {
    server = await startTokenServer();
    kit = await checkedServer(server.url);
  });
  afterAll(async () => {
    await kit.stop();
    await server.close();
  });

  it('passes a conforming server that ignores the Prefer hints, with client_secret_basic too', async () => {
    server.setDefault(conforming(await makeJwt({ client_id: CLIENT_ID, aud: ['https://api.example.test'] })));
    const post = await kit.check({ ...CREDENTIALS, audience: ['https://api.example.test'] });
    expect(post.text).toContain('8 cases: 7 passed, 0 failed, 1 not applicable');
    expect(post.failed).toBe(false);
    const basic = await kit.check({ ...CREDENTIALS, authMethod: 'client_secret_basic' });
    expect(basic.text).toContain('8 cases: 6 passed, 0 failed, 2 not applicable');
    expect(caseLine(basic.text, 'audience')).toBe('N/A   audience');
    expect(checkLines(basic.text, 'wrong secret')).toEqual([
      'ok    wrong secret refused: 401 invalid_client [RFC 6749 §5.2 (credentials in the Authorization header); openapi/passflow-m2m.yaml POST /oauth2/token 401]',
      'ok    WWW-Authenticate on the 401: WWW-Authenticate: Basic realm="test" [RFC 6749 §5.2]',
    ]);
    expect(basic.failed).toBe(false);
    expect(server.requests.some((r) => r.form.grant_type?.startsWith('urn:'))).toBe(true);
  });

  it('reports every deviation of a non-conforming server, each check with what came, and the spec violations', async () => {
    // 200 to everything, with token_type "mac" and expires_in as a string.
    server.setDefault({ body: { access_token: 'opaque', token_type: 'mac', expires_in: '3600' } });
    const run = await kit.check(CREDENTIALS);
    expect(run.failed).toBe(true);
    expect(run.text).toContain('8 cases: 0 passed, 7 failed, 1 not applicable');
    for (const name of CASES.filter((n) => n !== 'audience'))
      expect(caseLine(run.text, name)).toMatch(/^FAIL {2}/);
    expect(checkLines(run.text, 'valid token request')).toEqual([
      'FAIL  token issued: expected 200 with a token response, got 200 with a token response the SDK refuses: Invalid token response: token_type must be "Bearer" (got "mac") [openapi/passflow-m2m.yaml POST /oauth2/token 200; RFC 6749 §5.1]',
      'n/a   Cache-Control: no-store: no token was issued [openapi/passflow-m2m.yaml TokenResponse.access_token (a JWT with M2MTokenClaims); RFC 9068 §2.2]',
      'n/a   access token is a JWT: no token was issued [openapi/passflow-m2m.yaml TokenResponse.access_token (a JWT with M2MTokenClaims); RFC 9068 §2.2]',
      'n/a   client_id claim: no token was issued [openapi/passflow-m2m.yaml TokenResponse.access_token (a JWT with M2MTokenClaims); RFC 9068 §2.2]',
      'FAIL  spec violation at response.body.token_type: Response body property token_type must be equal to one of the allowed values: Bearer, DPoP',
      'FAIL  spec violation at response.body.expires_in: Response body property expires_in must be integer',
    ]);
    expect(run.text).toContain(
      'FAIL  wrong secret refused: expected 400 or 401 invalid_client, got 200: a token was issued',
    );
    expect(run.text).toContain(
      'FAIL  scope "admin:all" refused: expected 400 invalid_scope, got 200: a token was issued',
    );
    expect(run.text).toContain(
      'FAIL  unknown grant_type refused: expected 400 unsupported_grant_type, got 200: the grant was accepted [RFC 6749 §5.2]',
    );
    expect(run.junit).toContain('tests="8" failures="7" skipped="1"');
    expect(run.junit.match(/<failure message="/g)).toHaveLength(7);
    expect(run.junit).toContain('spec violation at response.body.expires_in');
  });

  it('fails the one case a nearly conforming server gets wrong, saying what was expected and what came', async () => {
    const good = conforming(await makeJwt({ client_id: CLIENT_ID }));
    // Answers a wrong secret with 400 invalid_request instead of invalid_client.
    server.setDefault((request) => {
      const step = good(request);
      return step.status === 401 ? { status: 400, body: { error: 'invalid_request' } } : step;
    });
    const run = await kit.check(CREDENTIALS);
    expect(run.failed).toBe(true);
    expect(run.text).toContain('8 cases: 5 passed, 1 failed, 2 not applicable');
    expect(caseLine(run.text, 'wrong secret')).toBe('FAIL  wrong secret');
    expect(checkLines(run.text, 'wrong secret')).toEqual([
      'FAIL  wrong secret refused: expected 400 or 401 invalid_client, got 400 invalid_request [RFC 6749 §5.2 (credentials in the body); openapi/passflow-m2m.yaml POST /oauth2/token 400, 401]',
    ]);
  });

  it('demands 401 and WWW-Authenticate for credentials sent with HTTP Basic', async () => {
    const good = conforming(await makeJwt({ client_id: CLIENT_ID }));
    server.setDefault((request) => {
      const step = good(request);
      return step.status === 401 ? { status: 401, body: { error: 'invalid_client' } } : step;
    });
    const run = await kit.check({ ...CREDENTIALS, authMethod: 'client_secret_basic' });
    expect(run.failed).toBe(true);
    expect(checkLines(run.text, 'wrong secret')).toEqual([
      'ok    wrong secret refused: 401 invalid_client [RFC 6749 §5.2 (credentials in the Authorization header); openapi/passflow-m2m.yaml POST /oauth2/token 401]',
      'FAIL  WWW-Authenticate on the 401: expected a WWW-Authenticate header, got none [RFC 6749 §5.2]',
    ]);
  });
});

describe('contract kit on the command line', () => {
  it('refuses a client secret on the command line', async () => {
    const run = await runKit(['--server', 'http://127.0.0.1:1', '--client-secret', 'hunter2'], CREDENTIALS);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^contract: usage: --client-secret is not accepted/);
    expect(run.output).not.toContain('hunter2');
  });
});

describe('contract kit setup errors: one line naming the cause, exit status 2, no case run', () => {
  it('a server that does not answer', async () => {
    const closed = await startTokenServer();
    await closed.close();
    const run = await runKit(['--server', closed.url], CREDENTIALS);
    expect(run).toMatchObject({
      code: 2,
      stdout: '',
      stderr: `contract: setup: cannot reach ${closed.url}: connection refused (ECONNREFUSED)\n`,
    });
  });

  it('a server without a scheme', async () => {
    const run = await runKit(['--server', '127.0.0.1:8080'], CREDENTIALS);
    expect(run).toMatchObject({
      code: 2,
      stdout: '',
      stderr:
        'contract: usage: --server must be an http:// or https:// URL, e.g. http://127.0.0.1:8080 (got "127.0.0.1:8080")\n',
    });
  });

  it('no server at all, and the flag it names is the kit’s', async () => {
    const run = await runKit([], CREDENTIALS);
    expect(run).toMatchObject({
      code: 2,
      stdout: '',
      stderr: 'contract: usage: no server to check: pass --server <url> or set PASSFLOW_URL\n',
    });
    const url = await runKit(['--url', 'http://127.0.0.1:1'], CREDENTIALS);
    expect(url.stderr).toBe('contract: usage: unknown option --url (see npm run contract -- --help)\n');
  });
});
