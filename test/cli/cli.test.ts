import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startPrism } from '../../scripts/prism.mjs';
import { type CliErrorCode, EXIT_FOR_CODE } from '../../src/cli/exit-codes.js';
import { M2MErrorCode } from '../../src/index.js';
import { startTokenServer, type TokenServer } from '../support/token-server.js';
import { buildCli, type CliResult, runCli, unsignedJwt } from './run-cli.js';

const SECRET = 'cli-s3cret:+/%é-never-printed';
const CLIENT_ID = 'cli-client';
/** Every form the secret could leak in: as is, URL- and form-encoded, inside Basic credentials. */
const SECRET_FORMS = [
  SECRET,
  encodeURIComponent(SECRET),
  new URLSearchParams([['', SECRET]]).toString().slice(1),
  Buffer.from(`${CLIENT_ID}:${new URLSearchParams([['', SECRET]]).toString().slice(1)}`).toString('base64'),
];

let cli: Awaited<ReturnType<typeof buildCli>>;
const outputs: CliResult[] = [];

beforeAll(async () => {
  cli = await buildCli();
});
afterAll(async () => {
  await cli.remove();
});

async function run(args: string[], env: Record<string, string> = {}, stdin?: string): Promise<CliResult> {
  const result = await runCli(cli.bin, args, { env, ...(stdin !== undefined && { stdin }) });
  outputs.push(result);
  for (const form of SECRET_FORMS) {
    expect(result.stdout).not.toContain(form);
    expect(result.stderr).not.toContain(form);
  }
  return result;
}

/** The exit status table of a page's section: [status, meaning without backticks]. */
async function documentedExitStatuses(file: string, heading: string): Promise<[number, string][]> {
  const page = await readFile(resolve(import.meta.dirname, '../..', file), 'utf8');
  const start = page.indexOf(heading);
  const end = page.indexOf('\n## ', start + 1);
  const section = page.slice(start, end < 0 ? page.length : end);
  return [...section.matchAll(/^\| (\d+) +\| (.+?) +\|$/gm)].map(([, status, meaning]) => [
    Number(status),
    (meaning ?? '').replaceAll('`', ''),
  ]);
}

function envFor(url: string, extra: Record<string, string> = {}): Record<string, string> {
  return { PASSFLOW_URL: url, M2M_CLIENT_ID: CLIENT_ID, M2M_CLIENT_SECRET: SECRET, ...extra };
}

/** The one-line error contract: "passflow-m2m: <code>: <message>\n" and nothing else. */
function expectOneLineError(result: CliResult, label: string): void {
  expect(result.stdout).toBe('');
  expect(result.stderr).toMatch(new RegExp(`^passflow-m2m: ${label}: \\S.*\\n$`));
  expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
}

describe('passflow-m2m against the Prism mock of openapi/', () => {
  let prism: Awaited<ReturnType<typeof startPrism>>;
  beforeAll(async () => {
    prism = await startPrism();
  });
  afterAll(async () => {
    await prism.stop();
  });

  it('token prints the access token alone, a JWT on one line', async () => {
    const result = await run(
      ['token', '--scope', 'users:read', '--scope', 'orders:write'],
      envFor(prism.url),
    );
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
  });

  it('token --json prints the whole response', async () => {
    const result = await run(['token', '--json'], envFor(prism.url));
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      token_type: 'Bearer',
      expires_in: 3600,
      scope: 'users:read orders:write',
      access_token: expect.stringMatching(/^ey/),
      issued_at: expect.any(Number),
    });
  });

  it('token piped into inspect shows the decoded claims', async () => {
    const token = (await run(['token'], envFor(prism.url))).stdout;
    const result = await run(['inspect'], {}, token);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^expiry +(expires in|expired) .*\(\d{4}-\d\d-\d\dT[\d:.]+Z\)$/m);
    expect(result.stdout).toMatch(/^client_id +your-client-id$/m);
    expect(result.stdout).toMatch(/^scopes +users:read orders:write$/m);
    expect(result.stdout).toMatch(/^tenant_id +tenant_01HZX3K8$/m);
    expect(result.stdout).toMatch(/^audience +https:\/\/api\.yourapp\.com$/m);
  });

  it('revoke sends a request the spec accepts', async () => {
    const token = (await run(['token'], envFor(prism.url))).stdout.trim();
    const result = await run(['revoke', token], envFor(prism.url));
    expect(result).toMatchObject({ code: 0, stdout: '', stderr: 'passflow-m2m: token revoked\n' });
  });

  it('authenticates with client_secret_basic in a form the spec accepts', async () => {
    const result = await run(['token', '--auth-method', 'basic'], envFor(prism.url));
    expect(result.code).toBe(0);
  });
});

describe('passflow-m2m against a scripted loopback server', () => {
  let server: TokenServer;
  beforeEach(async () => {
    server = await startTokenServer();
  });
  afterEach(async () => {
    await server.close();
  });

  it('sends repeated and space-separated scopes, audiences and the resource', async () => {
    const result = await run(
      [
        'token',
        '--scope',
        'b:write',
        '--scope',
        'a:read c:read',
        '--audience',
        'https://api.example.test',
        '--resource',
        'https://api.example.test/v1',
      ],
      envFor(server.url),
    );
    expect(result.code).toBe(0);
    expect(server.requests[0]?.form).toEqual({
      grant_type: 'client_credentials',
      client_id: CLIENT_ID,
      client_secret: SECRET,
      scope: 'a:read b:write c:read',
      audience: 'https://api.example.test',
      resource: 'https://api.example.test/v1',
    });
  });

  it('reads the secret from --client-secret-file or M2M_CLIENT_SECRET_FILE, without the final newline', async () => {
    const { writeFile, rm } = await import('node:fs/promises');
    const file = `${cli.dir}/client-secret`;
    await writeFile(file, `${SECRET}\n`, { mode: 0o600 });
    try {
      const env = { PASSFLOW_URL: server.url, M2M_CLIENT_ID: CLIENT_ID };
      expect((await run(['token', '--client-secret-file', file], env)).code).toBe(0);
      expect((await run(['token'], { ...env, M2M_CLIENT_SECRET_FILE: file })).code).toBe(0);
      expect(server.requests.map((r) => r.form.client_secret)).toEqual([SECRET, SECRET]);
    } finally {
      await rm(file, { force: true });
    }
  });

  it('authenticates with client_secret_basic on request', async () => {
    const result = await run(['token', '--auth-method', 'basic'], envFor(server.url));
    expect(result.code).toBe(0);
    expect(server.requests[0]?.headers.authorization).toMatch(/^Basic /);
    expect(server.requests[0]?.form.client_secret).toBeUndefined();
  });

  it('revokes a token given on stdin (RFC 7009 form)', async () => {
    server.setDefault({ status: 200, body: '' });
    const result = await run(['revoke'], envFor(server.url), 'the-token-to-revoke\n');
    expect(result.code).toBe(0);
    expect(server.requests[0]?.path).toBe('/oauth2/revoke');
    expect(server.requests[0]?.form).toEqual({
      token: 'the-token-to-revoke',
      token_type_hint: 'access_token',
      client_id: CLIENT_ID,
      client_secret: SECRET,
    });
  });

  const failures: [CliErrorCode, number][] = [
    [M2MErrorCode.InvalidRequest, 400],
    [M2MErrorCode.InvalidClient, 401],
    [M2MErrorCode.InvalidGrant, 400],
    [M2MErrorCode.InvalidScope, 400],
    [M2MErrorCode.UnauthorizedClient, 400],
    [M2MErrorCode.UnsupportedGrantType, 400],
    [M2MErrorCode.RateLimitExceeded, 429],
    [M2MErrorCode.ServerError, 500],
    [M2MErrorCode.TemporarilyUnavailable, 503],
  ];
  it.each(failures)('reports %s (HTTP %i) in one stderr line with its exit status', async (code, status) => {
    server.setDefault({ status, body: { error: code, error_description: `the server says ${code}` } });
    const result = await run(['token', '--retries', '0'], envFor(server.url));
    expectOneLineError(result, code);
    expect(result.stderr).toContain(`the server says ${code}`);
    expect(result.code).toBe(EXIT_FOR_CODE[code]);
  });

  it('reports a revocation failure with its code', async () => {
    server.setDefault({ status: 401, body: { error: 'invalid_client' } });
    const result = await run(['revoke', 'some-token'], envFor(server.url));
    expectOneLineError(result, 'invalid_client');
    expect(result.code).toBe(EXIT_FOR_CODE.invalid_client);
  });

  it('--allow-insecure-http lets plain http reach a host the SDK does not take for loopback', async () => {
    // [::ffff:127.0.0.1] is 127.0.0.1 written as an IPv4-mapped IPv6 address: not a loopback name.
    const url = server.url.replace('127.0.0.1', '[::ffff:127.0.0.1]');
    const refused = await run(['token'], envFor(url));
    expectOneLineError(refused, 'config');
    expect(server.requests).toHaveLength(0);
    const token = await run(['token', '--allow-insecure-http'], envFor(url));
    expect(token).toMatchObject({ code: 0, stderr: '' });
    server.setDefault({ status: 200, body: '' });
    const revoked = await run(['revoke', '--allow-insecure-http', 'some-token'], envFor(url));
    expect(revoked.code).toBe(0);
    expect(server.requests.map((r) => r.path)).toEqual(['/oauth2/token', '/oauth2/revoke']);
  });

  it('reports a network failure as temporarily_unavailable', async () => {
    const url = server.url;
    await server.close();
    server = await startTokenServer();
    const result = await run(['token', '--retries', '0'], envFor(url));
    expectOneLineError(result, 'temporarily_unavailable');
    expect(result.code).toBe(11);
  });
});

describe('inspect', () => {
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    iss: 'https://auth.example.test',
    sub: 'svc',
    client_id: 'svc',
    aud: 'https://api.example.test',
    scope: 'users:read orders:write',
    type: 'm2m',
    iat: now,
    jti: 'tok-1',
  };

  it('says when a token expires, in human terms', async () => {
    const result = await run(['inspect', unsignedJwt({ ...claims, exp: now + 3600 })]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^expiry +expires in (59|60) min \(\d{4}-\d\d-\d\dT[\d:.]+Z\)$/m);
    expect(result.stdout).toMatch(/^audience +https:\/\/api\.example\.test$/m);
    expect(result.stdout).toMatch(/^scopes +users:read orders:write$/m);
    expect(result.stdout).toMatch(/^jti +tok-1$/m);
  });

  it('says how long ago an expired token expired', async () => {
    const result = await run(['inspect', unsignedJwt({ ...claims, exp: now - 3 * 3600 - 30 })]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^expiry +expired 3 h ago \(/m);
  });

  it('prints RFC 9068-normalised claims as JSON with --json', async () => {
    const result = await run(['inspect', '--json', unsignedJwt({ ...claims, exp: now + 60 })]);
    expect(JSON.parse(result.stdout)).toMatchObject({
      aud: ['https://api.example.test'],
      scopes: ['users:read', 'orders:write'],
      exp: now + 60,
    });
  });

  it('rejects what is not a JWT with invalid_request', async () => {
    const result = await run(['inspect', 'not-a-jwt']);
    expectOneLineError(result, 'invalid_request');
    expect(result.code).toBe(EXIT_FOR_CODE.invalid_request);
  });
});

describe('usage', () => {
  it.each(['token', 'inspect', 'revoke'])(
    '%s --help documents the command and the exit statuses as the README and docs/cli.md do',
    async (command) => {
      const result = await run([command, '--help']);
      expect(result).toMatchObject({ code: 0, stderr: '' });
      expect(result.stdout).toContain(`Usage: passflow-m2m ${command}`);
      const readme = await documentedExitStatuses('README.md', '## Command line');
      expect(readme.length).toBeGreaterThanOrEqual(12);
      expect(await documentedExitStatuses('docs/cli.md', '## Errors and exit statuses')).toEqual(readme);
      const table = readme.map(([status, meaning]) => `${String(status).padStart(4)}  ${meaning}`).join('\n');
      expect(result.stdout).toContain(`Exit status:\n${table}\nErrors are one line on stderr`);
    },
  );

  it('without a command prints the help on stderr and exits 2; help <command> prints its help', async () => {
    const bare = await run([]);
    expect(bare).toMatchObject({ code: 2, stdout: '' });
    expect(bare.stderr).toContain('Usage: passflow-m2m <command>');
    const topic = await run(['help', 'revoke']);
    expect(topic.code).toBe(0);
    expect(topic.stdout).toContain('Usage: passflow-m2m revoke');
  });

  it('--help lists the commands', async () => {
    const result = await run(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^ {2}token /m);
    expect(result.stdout).toMatch(/^ {2}inspect /m);
    expect(result.stdout).toMatch(/^ {2}revoke /m);
  });

  it.each([
    ['--client-secret', 'hunter2-on-argv'],
    ['--client-secret=hunter2-on-argv'],
    ['--client-id', '--client-secret', 'hunter2-on-argv'],
  ])('refuses a secret on the command line (%s) without echoing it', async (...args) => {
    const result = await run(['token', ...args], envFor('https://auth.example.test'));
    expectOneLineError(result, 'usage');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('M2M_CLIENT_SECRET_FILE');
    expect(result.stderr).not.toContain('hunter2');
  });

  it.each([
    [['token', '--scope', '--json']],
    [['token', '--audience', '--client-secret-file', '/dev/null']],
    [['revoke', '--url', '--retries', '0', 'some-token']],
  ])('takes an option name after an option that needs a value as a missing value: %j', async (args) => {
    const result = await run(args, envFor('https://auth.example.test'));
    expectOneLineError(result, 'usage');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('needs a value');
  });

  it.each([[''], ['   ']])(
    'refuses an empty token argument (%j), as an unset "$TOKEN" gives',
    async (token) => {
      const result = await run(['revoke', token], envFor('https://auth.example.test'));
      expectOneLineError(result, 'usage');
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('empty token');
    },
  );

  it('does not echo an unexpected argument or command, which may be a pasted secret', async () => {
    const result = await run(['token', 'hunter2-pasted'], envFor('https://auth.example.test'));
    expectOneLineError(result, 'usage');
    expect(result.stderr).not.toContain('hunter2');
    const command = await run(['hunter2-pasted']);
    expectOneLineError(command, 'usage');
    expect(command.stderr).toContain('expected token, inspect or revoke');
    expect(command.stderr).not.toContain('hunter2');
  });

  it('names the missing environment variables', async () => {
    const noUrl = await run(['token']);
    expectOneLineError(noUrl, 'usage');
    expect(noUrl.stderr).toContain('PASSFLOW_URL');
    const noSecret = await run(['token'], { PASSFLOW_URL: 'https://auth.example.test', M2M_CLIENT_ID: 'x' });
    expect(noSecret.stderr).toContain('M2M_CLIENT_SECRET');
    expect(noSecret.code).toBe(2);
  });

  it('rejects an unknown option', async () => {
    const unknown = await run(['token', '--nope'], envFor('https://auth.example.test'));
    expectOneLineError(unknown, 'usage');
    expect(unknown.stderr).toContain('--nope');
  });

  it('refuses plain http to a remote host, naming the variable or option the URL came from and the opt-out', async () => {
    const fromEnv = await run(['token'], envFor('http://auth.example.test'));
    expectOneLineError(fromEnv, 'config');
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stderr).toBe(
      'passflow-m2m: config: PASSFLOW_URL must use https: (got http://auth.example.test); plain http is allowed only for loopback hosts, or with --allow-insecure-http\n',
    );
    const fromOption = await run(['revoke', '--url', 'http://auth.example.test', 'some-token'], envFor(''));
    expectOneLineError(fromOption, 'config');
    expect(fromOption.stderr).toMatch(
      /^passflow-m2m: config: --url must use https: .*--allow-insecure-http\n$/,
    );
  });

  it.each([
    [
      ['token', '--scope', 'users:read', '--scope', 'a"b'],
      /^passflow-m2m: config: --scope is not a valid scope token \(RFC 6749 §3\.3: no space, quote, backslash or non-ASCII character\)\n$/,
    ],
    [
      ['token', '--resource', 'not-absolute'],
      /^passflow-m2m: config: --resource must be an absolute URI \(RFC 8707 §2\)/,
    ],
    [
      ['token', '--url', 'auth.example.test'],
      /^passflow-m2m: config: --url is not a valid absolute URL \(expected https:\/\/host\[:port\]\[\/path\]\)\n$/,
    ],
  ])('names the option of a bad value: %j', async (args, expected) => {
    const result = await run(args, envFor('https://auth.example.test'));
    expectOneLineError(result, 'config');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(expected);
  });

  it('printed the secret, and an SDK field name, in none of the runs above', () => {
    expect(outputs.length).toBeGreaterThan(20);
    const all = outputs.map((o) => o.stdout + o.stderr).join('\n');
    for (const form of SECRET_FORMS) expect(all).not.toContain(form);
    expect(all).not.toMatch(/M2MClientConfig|allowInsecureHttp|clientSecret|clientId/);
  });
});
