// The secret scan: drive every public method, every error path, every hook and a recording custom
// cache with a distinctive client secret, under both client authentication methods, and search all
// that a caller, a log or a cache can see for the secret in every encoding it travels in.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { inspect } from 'node:util';
import { jwtVerify } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { MAX_BODY_BYTES } from '../../src/client/transport.js';
import {
  type ClientAuthMethod,
  M2MClient,
  type M2MClientConfig,
  type M2MTokenCache,
  type M2MTokenResponse,
} from '../../src/index.js';
import {
  makeJwt,
  type RecordedRequest,
  type Step,
  startTokenServer,
  type TokenServer,
  tokenBody,
} from '../support/token-server.js';

const CLIENT_ID = 'svc scan/ü';
/** Characters that every encoding changes: space, slash, plus, percent, equals, ampersand, non-ASCII. */
const SECRET = 'Qz7 /+%=&é~SECRET-9d41c2-scan';

const formEncode = (value: string) => new URLSearchParams([['', value]]).toString().slice(1);
const base64 = (value: string) => Buffer.from(value, 'utf8').toString('base64');

/** The secret as it may appear anywhere: clear, URL-encoded, form-encoded, and inside Basic credentials. */
const NEEDLES = [
  ['clear', SECRET],
  ['encodeURIComponent', encodeURIComponent(SECRET)],
  ['form-urlencoded', formEncode(SECRET)],
  [
    'Basic (RFC 6749 §2.3.1: form-encoded, then base64)',
    base64(`${formEncode(CLIENT_ID)}:${formEncode(SECRET)}`),
  ],
  ['Basic (id:secret, base64)', base64(`${CLIENT_ID}:${SECRET}`)],
  ['base64 of the secret', base64(SECRET)],
  ['distinctive core', 'SECRET-9d41c2'],
] as const;

/** Everything observable, each with where it came from. */
type Observed = Array<{ where: string; text: string }>;

function observe(seen: Observed, where: string, value: unknown): void {
  const add = (how: string, text: string | undefined) => {
    if (text !== undefined) seen.push({ where: `${where} (${how})`, text });
  };
  if (value instanceof Error) {
    add('message', value.message);
    add('stack', value.stack);
    add('String()', String(value));
    let cause: unknown = value.cause;
    for (let depth = 0; cause instanceof Error && depth < 5; depth++, cause = cause.cause) {
      add(`cause ${depth} message`, cause.message);
      add(`cause ${depth} stack`, cause.stack);
    }
  }
  add('JSON', safeJson(value));
  add('inspect', inspect(value, { depth: Number.POSITIVE_INFINITY, showHidden: true, getters: true }));
  if (typeof value === 'string') add('text', value);
}

function safeJson(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch (error) {
    return `unserialisable: ${String(error)}`;
  }
}

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

function failureOfSync(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

/** A custom cache that records every key and value it is given; `failing` makes every call throw. */
function recordingCache(seen: Observed, failing = false): M2MTokenCache {
  const store = new Map<string, M2MTokenResponse>();
  const record = (operation: string, ...values: unknown[]) => {
    for (const value of values) observe(seen, `cache.${operation}`, value);
    if (failing) throw new Error(`cache ${operation} is down`);
  };
  return {
    get: async (key) => {
      record('get', key);
      return store.get(key) ?? null;
    },
    set: async (key, token, ttl) => {
      record('set', key, token, ttl);
      store.set(key, token);
    },
    delete: async (key) => {
      record('delete', key);
      store.delete(key);
    },
    lock: async (key, ttlMs) => {
      record('lock', key, ttlMs);
      return async () => record('release', key);
    },
  };
}

let server: TokenServer;
let other: TokenServer;
beforeEach(async () => {
  server = await startTokenServer();
  other = await startTokenServer();
});
afterEach(async () => {
  await server.close();
  await other.close();
});

/** The request as a server received it: its body, its Authorization header and the secret decoded. */
function echoed(request: RecordedRequest): string {
  return `${request.raw} ${String(request.headers.authorization ?? '')} ${request.form.client_secret ?? ''}`;
}

/** Servers (or proxies) that echo the request back, in every place a reply has. */
const echoes: Array<[string, (request: RecordedRequest) => Step]> = [
  [
    'echo in the OAuth error fields',
    (request) => ({
      status: 400,
      body: {
        error: echoed(request),
        error_description: `${'x'.repeat(180)} ${echoed(request)} ${JSON.stringify(request.form)}`,
        error_uri: `https://errors.example.test/?q=${encodeURIComponent(echoed(request))}`,
      },
    }),
  ],
  [
    'echo in response headers',
    (request) => ({
      status: 401,
      headers: {
        'x-echo': echoed(request),
        'www-authenticate': `Basic realm="${String(request.headers.authorization ?? '')}"`,
      },
      body: { error: 'invalid_client' },
    }),
  ],
  [
    'echo in the body text',
    (request) => ({ status: 500, headers: { 'content-type': 'text/plain' }, body: echoed(request) }),
  ],
];

/** Each method built on the client secret, with the secret given as it is or by a provider. */
const SECRET_VARIANTS: Array<[ClientAuthMethod, 'a string' | 'a provider']> = [
  ['client_secret_post', 'a string'],
  ['client_secret_basic', 'a string'],
  ['client_secret_post', 'a provider'],
  ['client_secret_basic', 'a provider'],
  ['client_secret_jwt', 'a provider'],
];

function expectClean(seen: Observed): void {
  expect(seen.length).toBeGreaterThan(100);
  const leaks = seen.flatMap(({ where, text }) =>
    NEEDLES.filter(([, needle]) => text.includes(needle)).map(([encoding]) => `${encoding} in ${where}`),
  );
  expect(leaks).toEqual([]);
}

describe.each<[ClientAuthMethod, 'a string' | 'a provider']>(SECRET_VARIANTS)(
  'secret scan, %s, the secret as %s',
  (authMethod, secretAs) => {
    it('no error, hook payload, cache key or value, inspection or CLI output holds the secret in any encoding', async () => {
      const seen: Observed = [];
      const config = (extra: Partial<M2MClientConfig> = {}): M2MClientConfig => ({
        url: server.url,
        clientId: CLIENT_ID,
        clientSecret: secretAs === 'a provider' ? async () => SECRET : SECRET,
        authMethod,
        timeout: 300,
        retries: 1,
        retryDelay: 1,
        onTokenRequest: (info) => observe(seen, 'onTokenRequest', info),
        onTokenResponse: (token) => observe(seen, 'onTokenResponse', token),
        onCacheError: (failure) => observe(seen, 'onCacheError', failure),
        ...extra,
      });
      const jwt = await makeJwt({ client_id: CLIENT_ID, scopes: ['orders:read'] });

      // The happy path through every public method, with a recording cache that can lock.
      server.setDefault({ body: tokenBody(3600, { access_token: jwt, scope: 'orders:read' }) });
      const m2m = new M2MClient(config({ cache: recordingCache(seen), scopes: ['orders:read'] }));
      observe(seen, 'client before use', m2m);
      observe(seen, 'getToken', await m2m.getToken());
      observe(seen, 'getToken(options)', await m2m.getToken({ scopes: ['orders:write'], audience: ['api'] }));
      observe(seen, 'getToken(forceRefresh)', await m2m.getToken({ forceRefresh: true }));
      observe(seen, 'getValidToken', await m2m.getValidToken());
      observe(seen, 'getCachedToken', m2m.getCachedToken());
      observe(seen, 'isTokenExpired', String(m2m.isTokenExpired()));
      observe(seen, 'parseToken', m2m.parseToken(jwt));
      observe(seen, 'client in use', m2m);
      observe(seen, 'client as string', `${m2m}`);
      await m2m.revokeToken();
      m2m.clearCache();
      observe(seen, 'client after revocation', m2m);

      // A cache that fails on every call: the failures reach onCacheError and must be clean too.
      observe(
        seen,
        'getToken (failing cache)',
        await new M2MClient(config({ cache: recordingCache(seen, true) })).getToken(),
      );

      // Configuration errors, with the secret in the configuration.
      for (const bad of [
        { url: 'ftp://example.test' },
        { url: 'http://example.test' },
        { url: `https://user:${SECRET}@example.test` },
        { retries: -1 },
        { timeout: Number.NaN },
        { scopes: ['not a scope'] },
        { authMethod: 'private_key_jwt' as ClientAuthMethod },
        { authMethod: SECRET as ClientAuthMethod },
        { signingAlgorithm: SECRET as 'HS256' },
        { privateKey: SECRET },
        { privateKeyId: SECRET },
        { assertionAudience: SECRET as 'issuer' },
        { cache: {} as M2MTokenCache },
      ]) {
        observe(
          seen,
          `constructor with a bad ${Object.keys(bad).join()}`,
          failureOfSync(() => new M2MClient(config(bad))),
        );
      }
      observe(
        seen,
        'constructor without clientId',
        failureOfSync(() => new M2MClient({ ...config(), clientId: '' })),
      );

      // Every error path of token acquisition.
      const huge = { ...tokenBody(3600), padding: 'x'.repeat(MAX_BODY_BYTES + 1) };
      const failures: Array<[string, Parameters<TokenServer['setDefault']>[0]]> = [
        [
          '400 invalid_scope',
          { status: 400, body: { error: 'invalid_scope', error_description: 'unknown scope' } },
        ],
        [
          '401 invalid_client',
          { status: 401, body: { error: 'invalid_client' }, headers: { 'www-authenticate': 'Basic' } },
        ],
        ['403 empty', { status: 403 }],
        ['429 Retry-After beyond the cap', { status: 429, headers: { 'retry-after': '86400' } }],
        ['500', { status: 500 }],
        [
          '502 HTML',
          { status: 502, body: '<html>bad gateway</html>', headers: { 'content-type': 'text/html' } },
        ],
        ['503', { status: 503, headers: { 'retry-after': '0' } }],
        ['connection reset', { reset: true }],
        ['hang (timeout)', { hang: true }],
        ['truncated JSON', { body: '{"access_token":"x', headers: { 'content-type': 'application/json' } }],
        ['invalid token response', { body: { access_token: 'x', token_type: 'mac', expires_in: -1 } }],
        ['oversized body', { body: huge }],
        ['redirect', { status: 307, headers: { location: `${other.url}/oauth2/token` } }],
        ...echoes,
      ];
      for (const [name, step] of failures) {
        server.setDefault(step);
        const client = new M2MClient(config({ cache: recordingCache(seen) }));
        observe(seen, name, await failureOf(client.getToken()));
        observe(seen, `client after ${name}`, client);
      }
      expect(other.requests).toHaveLength(0);

      // Caller-side failures: an aborted wait, invalid options, a token that is not a JWT.
      server.setDefault({ delayMs: 200 });
      const aborting = new M2MClient(config());
      const controller = new AbortController();
      const waiting = aborting.getToken({ signal: controller.signal });
      controller.abort(new Error('caller gave up'));
      observe(seen, 'caller abort', await failureOf(waiting));
      observe(seen, 'invalid options', await failureOf(aborting.getToken({ scopes: ['bad scope'] })));
      observe(
        seen,
        'parseToken(garbage)',
        failureOfSync(() => aborting.parseToken('not.a.jwt')),
      );

      // Revocation failures.
      for (const [name, step] of [
        ['revoke 401', { status: 401, body: { error: 'invalid_client' } }],
        ['revoke 503', { status: 503 }],
        ['revoke reset', { reset: true }],
        ...echoes,
      ] as const) {
        server.setDefault({});
        const client = new M2MClient(config());
        await client.getToken();
        server.setDefault(step);
        observe(seen, name, await failureOf(client.revokeToken()));
      }

      // A rotation the client recovers from: refused, the provider read again, sent once more.
      if (secretAs === 'a provider') {
        server.setDefault({});
        let current = SECRET;
        const rotating = new M2MClient(
          config({ clientSecret: async () => current, cache: recordingCache(seen) }),
        );
        observe(seen, 'before the rotation', await rotating.getToken());
        current = `${SECRET}-rotated`;
        server.enqueue({ status: 401, body: { error: 'invalid_client' } });
        observe(seen, 'after the rotation', await rotating.getToken({ forceRefresh: true }));
        observe(seen, 'client after the rotation', rotating);
        const failing = new M2MClient(
          config({ clientSecret: () => Promise.reject(new Error('vault sealed')) }),
        );
        observe(seen, 'failing provider', await failureOf(failing.getToken()));
      }

      // The CLI, when it exists: every command, succeeding and failing, stdout and stderr.
      const cli = async (name: string, argv: string[], echoing = false) => {
        const out: string[] = [];
        const stdin = Object.assign(new PassThrough(), { isTTY: true }) as unknown as NodeJS.ReadStream;
        const status = await main({
          argv,
          env: { M2M_CLIENT_SECRET: SECRET },
          stdin,
          stdout: (text) => out.push(text),
          stderr: (text) => out.push(text),
        });
        const output = out.join('');
        observe(seen, `cli ${name} (exit ${status})`, output);
        // Only what a server echoed is masked: a mask anywhere else would mean something leaked.
        if (!echoing) expect(output).not.toContain('[redacted]');
        return output;
      };
      const connection = ['--url', server.url, '--client-id', CLIENT_ID, '--auth-method', authMethod];
      server.setDefault({ body: tokenBody(3600, { access_token: jwt }) });
      expect(await cli('token', ['token', ...connection])).toContain(jwt);
      await cli('token --json', ['token', ...connection, '--json', '--scope', 'orders:read']);
      await cli('inspect', ['inspect', jwt]);
      await cli('revoke', ['revoke', ...connection, jwt]);
      for (const [name, step] of [...failures.slice(0, 8), ...echoes]) {
        server.setDefault(step);
        const echoing = echoes.some(([echo]) => echo === name);
        await cli(`token ${name}`, ['token', ...connection, '--retries', '0', '--timeout', '300'], echoing);
        await cli(
          `revoke ${name}`,
          ['revoke', ...connection, '--retries', '0', '--timeout', '300', jwt],
          echoing,
        );
      }
      await cli('bad option', ['token', ...connection, '--timeout', 'soon']);
      await cli('bad url', ['token', '--url', 'http://example.test', '--client-id', CLIENT_ID]);

      // The scan means something only if the secret did cross the wire in the encodings searched for.
      const wire = server.requests.map((r) => `${r.raw} ${String(r.headers.authorization)}`).join('\n');
      if (authMethod === 'client_secret_jwt') {
        // Here it never does: it keys the HMAC of every assertion.
        const assertion = server.requests.find((r) => r.form.client_assertion)?.form.client_assertion ?? '';
        await expect(jwtVerify(assertion, new TextEncoder().encode(SECRET))).resolves.toBeDefined();
      } else {
        expect(wire).toContain(authMethod === 'client_secret_post' ? formEncode(SECRET) : NEEDLES[3][1]);
      }

      expectClean(seen);
    });
  },
);

describe('key scan, private_key_jwt', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = rsa.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
  const jwk = rsa.privateKey.export({ format: 'jwk' }) as Record<string, string>;
  /** The key as it may appear anywhere: a line of its PEM, a private member of its JWK. */
  const KEY_NEEDLES: Array<[string, string]> = [
    ...pem
      .split('\n')
      .filter((line) => line.length === 64)
      .map((line, i): [string, string] => [`PEM line ${i + 1}`, line]),
    ...['d', 'p', 'q', 'dp', 'dq', 'qi'].map((name): [string, string] => [`JWK ${name}`, jwk[name] ?? '']),
  ];

  it('no error, hook payload, cache key or value, inspection or CLI output holds the private key', async () => {
    const seen: Observed = [];
    const config = (extra: Partial<M2MClientConfig> = {}): M2MClientConfig => ({
      url: server.url,
      clientId: CLIENT_ID,
      authMethod: 'private_key_jwt',
      privateKey: pem,
      timeout: 300,
      retries: 1,
      retryDelay: 1,
      onTokenRequest: (info) => observe(seen, 'onTokenRequest', info),
      onTokenResponse: (token) => observe(seen, 'onTokenResponse', token),
      ...extra,
    });
    const m2m = new M2MClient(config({ cache: recordingCache(seen) }));
    observe(seen, 'client before use', m2m);
    observe(seen, 'getToken', await m2m.getToken());
    observe(seen, 'getToken(forceRefresh)', await m2m.getToken({ forceRefresh: true }));
    observe(seen, 'client in use', m2m);
    await m2m.revokeToken();
    for (const key of [rsa.privateKey, jwk]) {
      observe(seen, 'client of another key form', new M2MClient(config({ privateKey: key })));
    }
    for (const [name, step] of [
      ['401', { status: 401, body: { error: 'invalid_client' } }],
      ['503', { status: 503 }],
      ['reset', { reset: true }],
    ] as const) {
      server.setDefault(step);
      const client = new M2MClient(config());
      observe(seen, name, await failureOf(client.getToken()));
      observe(seen, `client after ${name}`, client);
    }
    server.setDefault({});
    const { dp: _, ...incomplete } = jwk; // an RSA JWK without a CRT member: Web Crypto refuses it
    const broken = new M2MClient(config({ privateKey: incomplete }));
    observe(seen, 'a key that cannot be imported', await failureOf(broken.getToken()));
    for (const bad of [
      { clientSecret: pem },
      { authMethod: 'client_secret_post' as const, clientSecret: 'x', privateKey: pem },
      { signingAlgorithm: pem as 'RS256' },
      { privateKeyId: '' },
      { privateKey: pem.replace('PRIVATE KEY', 'RSA PRIVATE KEY').replace('PRIVATE KEY', 'RSA PRIVATE KEY') },
      { privateKey: pem.slice(0, 300) },
      { privateKey: { ...jwk, n: 'AQAB' } },
    ]) {
      observe(
        seen,
        `constructor with ${Object.keys(bad).join()}`,
        failureOfSync(() => new M2MClient(config(bad))),
      );
    }

    const dir = await mkdtemp(join(tmpdir(), 'key-scan-'));
    try {
      const keyFile = join(dir, 'key.pem');
      await writeFile(keyFile, pem);
      for (const argv of [
        ['token', '--private-key-file', keyFile],
        ['token', '--private-key-file', keyFile, '--json'],
        ['revoke', '--private-key-file', keyFile, 'some-token'],
        ['token', '--private-key', pem],
        ['token', `--private-key=${pem}`],
      ]) {
        const out: string[] = [];
        const status = await main({
          argv: [
            ...argv.slice(0, 1),
            '--url',
            server.url,
            '--client-id',
            CLIENT_ID,
            '--auth-method',
            'private-key-jwt',
            ...argv.slice(1),
          ],
          env: {},
          stdin: Object.assign(new PassThrough(), { isTTY: true }) as unknown as NodeJS.ReadStream,
          stdout: (text) => out.push(text),
          stderr: (text) => out.push(text),
        });
        observe(seen, `cli ${argv.slice(0, 2).join(' ')} (exit ${status})`, out.join(''));
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }

    // The scan means something only if the key did sign what crossed the wire.
    const assertion = server.requests[0]?.form.client_assertion ?? '';
    await expect(jwtVerify(assertion, rsa.publicKey)).resolves.toBeDefined();
    expect(seen.length).toBeGreaterThan(40);
    const leaks = seen.flatMap(({ where, text }) =>
      KEY_NEEDLES.filter(([, needle]) => text.includes(needle)).map(([part]) => `${part} in ${where}`),
    );
    expect(leaks).toEqual([]);
  });
});
