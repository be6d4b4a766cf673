// The CLI's client authentication beyond the secret: --auth-method private-key-jwt with a PKCS#8 PEM
// file (never a key on the command line), client-secret-jwt, against a scripted loopback server and
// against oidc-provider. No run prints the key or the secret.
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OIDC_RESOURCE, type OidcProviderServer, startOidcProvider } from '../support/oidc-provider.js';
import { startTokenServer, type TokenServer } from '../support/token-server.js';
import { buildCli, type CliResult, runCli } from './run-cli.js';

const CLIENT_ID = 'cli-key-client';
const SECRET = 'cli-hmac-secret-never-printed-0123456789';
const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const PEM = key.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
/** Lines of the PEM body and the JWK's private scalar: none may ever be printed. */
const KEY_FORMS = [
  ...PEM.split('\n').filter((line) => line.length > 40),
  (key.privateKey.export({ format: 'jwk' }) as JsonWebKey).d ?? 'unreachable',
];

let cli: Awaited<ReturnType<typeof buildCli>>;
let keyFile: string;
const outputs: CliResult[] = [];

beforeAll(async () => {
  cli = await buildCli();
  keyFile = `${cli.dir}/client-key.pem`;
  await writeFile(keyFile, PEM, { mode: 0o600 });
});
afterAll(async () => {
  await cli.remove();
});

async function run(args: string[], env: Record<string, string>): Promise<CliResult> {
  const result = await runCli(cli.bin, args, { env });
  outputs.push(result);
  return result;
}

const keyEnv = (url: string, extra: Record<string, string> = {}) => ({
  PASSFLOW_URL: url,
  M2M_CLIENT_ID: CLIENT_ID,
  ...extra,
});

describe('against a scripted loopback server', () => {
  let server: TokenServer;
  beforeEach(async () => {
    server = await startTokenServer();
  });
  afterEach(async () => {
    await server.close();
  });

  it('private-key-jwt with --private-key-file: an assertion signed with the key, with its key id', async () => {
    const result = await run(
      ['token', '--auth-method', 'private-key-jwt', '--private-key-file', keyFile, '--private-key-id', 'k-7'],
      keyEnv(server.url),
    );
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const form = server.requests[0]?.form ?? {};
    expect(form.client_secret).toBeUndefined();
    expect(form.client_assertion_type).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    const { protectedHeader } = await jwtVerify(form.client_assertion ?? '', key.publicKey, {
      issuer: CLIENT_ID,
      subject: CLIENT_ID,
      audience: `${server.url}/oauth2/token`,
    });
    expect(protectedHeader).toEqual({ alg: 'ES256', kid: 'k-7' });
  });

  it('takes the method, the key file and the key id from the environment, and revokes with them', async () => {
    server.setDefault({ status: 200, body: '' });
    const env = keyEnv(server.url, {
      M2M_AUTH_METHOD: 'private-key-jwt',
      M2M_PRIVATE_KEY_FILE: keyFile,
      M2M_PRIVATE_KEY_ID: 'k-env',
    });
    const result = await run(['revoke', 'some-token'], env);
    expect(result.code).toBe(0);
    const request = server.requests[0];
    expect(request?.path).toBe('/oauth2/revoke');
    expect(decodeProtectedHeader(request?.form.client_assertion ?? '').kid).toBe('k-env');
  });

  it('a secret file rotated meanwhile: refused once, the file read again, the request sent once more', async () => {
    const file = `${cli.dir}/rotating-secret`;
    await writeFile(file, `${SECRET}-old\n`);
    server.setDefault((request) => {
      if (request.form.client_secret === `${SECRET}-new`) return {};
      writeFileSync(file, `${SECRET}-new\n`); // rotated while this request was in flight
      return { status: 401, body: { error: 'invalid_client' } };
    });
    const result = await run(
      ['token', '--retries', '3'],
      keyEnv(server.url, { M2M_CLIENT_SECRET_FILE: file }),
    );
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(server.requests.map((request) => request.form.client_secret)).toEqual([
      `${SECRET}-old`,
      `${SECRET}-new`,
    ]);
  });

  it('client-secret-jwt: an HS256 assertion over the secret, which is not sent', async () => {
    const result = await run(
      ['token', '--auth-method', 'client-secret-jwt'],
      keyEnv(server.url, { M2M_CLIENT_SECRET: SECRET }),
    );
    expect(result.code).toBe(0);
    const request = server.requests[0];
    expect(request?.raw).not.toContain(SECRET);
    const { payload } = await jwtVerify(
      request?.form.client_assertion ?? '',
      new TextEncoder().encode(SECRET),
    );
    expect(payload.sub).toBe(CLIENT_ID);
  });
});

describe('mistakes', () => {
  it.each([
    [['--private-key', PEM]],
    [[`--private-key=${PEM}`]],
    [['--private-key', 'key-material-on-argv']],
  ])('refuses a key on the command line without echoing it', async (args) => {
    const result = await run(
      ['token', '--auth-method', 'private-key-jwt', ...args],
      keyEnv('https://auth.example.test'),
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^passflow-m2m: usage: --private-key is not accepted: .*M2M_PRIVATE_KEY_FILE/,
    );
    expect(result.stderr).not.toContain('key-material-on-argv');
  });

  it('names where the key should come from when there is none, or when it cannot be read', async () => {
    const none = await run(
      ['token', '--auth-method', 'private-key-jwt'],
      keyEnv('https://auth.example.test'),
    );
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('M2M_PRIVATE_KEY_FILE');
    const missing = await run(
      ['token', '--auth-method', 'private-key-jwt'],
      keyEnv('https://auth.example.test', { M2M_PRIVATE_KEY_FILE: `${cli.dir}/nope.pem` }),
    );
    expect(missing.stderr).toBe(
      'passflow-m2m: usage: cannot read the private key file named by M2M_PRIVATE_KEY_FILE (ENOENT)\n',
    );
  });

  it('a file that is not a PKCS#8 private key is a configuration error that does not quote it', async () => {
    const wrong = `${cli.dir}/public.pem`;
    const publicPem = key.publicKey.export({ format: 'pem', type: 'spki' }) as string;
    await writeFile(wrong, publicPem);
    try {
      const result = await run(
        ['token', '--auth-method', 'private-key-jwt', '--private-key-file', wrong],
        keyEnv('https://auth.example.test'),
      );
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^passflow-m2m: config: --private-key-file is a PUBLIC KEY PEM/);
      expect(result.stderr).not.toContain(publicPem.split('\n')[1]);
    } finally {
      await rm(wrong, { force: true });
    }
  });

  it('a key file or key id without private-key-jwt, and an unknown method, are usage errors', async () => {
    const env = keyEnv('https://auth.example.test', { M2M_CLIENT_SECRET: SECRET });
    const stray = await run(['token', '--private-key-file', keyFile], env);
    expect(stray.code).toBe(2);
    expect(stray.stderr).toContain('need --auth-method private-key-jwt');
    const unknown = await run(['token', '--auth-method', 'mtls'], env);
    expect(unknown.stderr).toContain('--auth-method must be post, basic, private-key-jwt, client-secret-jwt');
  });
});

describe('against oidc-provider', () => {
  let provider: OidcProviderServer;
  beforeAll(async () => {
    provider = await startOidcProvider({
      clients: [
        {
          client_id: CLIENT_ID,
          token_endpoint_auth_method: 'private_key_jwt',
          jwks: { keys: [{ ...key.publicKey.export({ format: 'jwk' }), kid: 'k-1' }] },
        },
      ],
    });
  });
  afterAll(() => provider.close());

  it('gets a token with private-key-jwt', async () => {
    const result = await run(
      [
        'token',
        '--auth-method',
        'private-key-jwt',
        '--private-key-file',
        keyFile,
        '--resource',
        OIDC_RESOURCE,
      ],
      keyEnv(provider.issuer),
    );
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(decodeJwt(result.stdout.trim())).toMatchObject({ client_id: CLIENT_ID, iss: provider.issuer });
  });
});

it('printed neither the key nor the secret in any run', () => {
  expect(outputs.length).toBeGreaterThan(8);
  const all = outputs.map((o) => o.stdout + o.stderr).join('\n');
  for (const form of [...KEY_FORMS, SECRET]) expect(all).not.toContain(form);
});
