// A server (or a proxy in front of it) that echoes the request back: in `error`, `error_description`,
// `error_uri`, response headers, the body text, a malformed token response, even a status line no
// HTTP parser accepts. Whatever it echoes, the secret reaches no error (message, stack, JSON,
// util.inspect, headers, cause) and no CLI output, in any form and not even in part.

import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:net';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { type ClientAuthMethod, M2MClient, M2MErrorCode } from '../../src/index.js';
import { rejectionOf } from '../integration/fixtures.js';
import {
  type RecordedRequest,
  type Step,
  startTokenServer,
  type TokenServer,
} from '../support/token-server.js';

const CLIENT_ID = 'svc echo/ü';
/** Every character class an encoding changes: space, slash, plus, percent, equals, ampersand, quote, backslash, non-ASCII. */
const SECRET = 'Kx9 /+%=&"\\é~7c1e58aa-Wq4zPmJd';

const formEncode = (value: string) => new URLSearchParams([['', value]]).toString().slice(1);
const base64 = (value: string) => Buffer.from(value, 'utf8').toString('base64');

/** Every form of the secret a reply may carry, and (below) every 8-character piece of each. */
const FORMS = [
  SECRET,
  encodeURIComponent(SECRET),
  encodeURIComponent(SECRET).toLowerCase(),
  formEncode(SECRET),
  JSON.stringify(SECRET).slice(1, -1),
  base64(SECRET),
  base64(`${formEncode(CLIENT_ID)}:${formEncode(SECRET)}`),
  base64(`${CLIENT_ID}:${SECRET}`),
];
const PIECE = 8;

/** The longest piece of any form of the secret found in `text`, or '' when none of 8 characters is. */
function leakIn(text: string): string {
  for (const form of FORMS) {
    for (let start = 0; start + PIECE <= form.length; start++) {
      const piece = form.slice(start, start + PIECE);
      // Pieces without a letter or digit run ("%2F%2B%") say nothing of the secret.
      if (/[A-Za-z0-9]{4}/.test(piece) && text.includes(piece)) return piece;
    }
  }
  return '';
}

/** Everything a caller, a log or a terminal can see of an error. */
function views(error: unknown): string[] {
  const seen = [inspect(error, { depth: Number.POSITIVE_INFINITY, showHidden: true, getters: true })];
  for (let cause: unknown = error, depth = 0; cause instanceof Error && depth < 8; depth++) {
    seen.push(cause.message, cause.stack ?? '', String(cause), JSON.stringify(cause) ?? '');
    cause = cause.cause;
  }
  return seen;
}

function expectNoLeak(error: unknown): void {
  for (const view of views(error)) expect(leakIn(view)).toBe('');
}

/** What the request carried: its body as sent, its Authorization header, and the secret decoded. */
function echoOf(request: RecordedRequest) {
  const authorization = String(request.headers.authorization ?? '');
  const decoded = request.form.client_secret ?? SECRET;
  return { raw: request.raw, authorization, decoded, all: `${request.raw} ${authorization} ${decoded}` };
}

/** Replies that echo the request, each as a step built from the request it answers. */
const ECHOES: Array<[string, (request: RecordedRequest) => Step]> = [
  [
    'every OAuth error field',
    (request) => {
      const echo = echoOf(request);
      return {
        status: 400,
        body: {
          error: echo.raw,
          error_description: `you sent ${echo.all} as ${JSON.stringify(request.form)}`,
          error_uri: `https://errors.example.test/?request=${encodeURIComponent(echo.all)}`,
        },
      };
    },
  ],
  [
    'response headers',
    (request) => {
      const echo = echoOf(request);
      return {
        status: 401,
        headers: {
          'www-authenticate': `Basic realm="${echo.authorization}"`,
          'x-echo-body': echo.raw,
          'x-echo-secret': echo.decoded,
        },
        body: { error: 'invalid_client' },
      };
    },
  ],
  [
    'the body text of an HTML page',
    (request) => ({
      status: 502,
      headers: { 'content-type': 'text/html' },
      body: `<html><pre>${echoOf(request).all}</pre></html>`,
    }),
  ],
  [
    'the secret cut short by a long description',
    // Messages quote 200 characters of a description: 17 of these would be the secret's first.
    (request) => ({
      status: 400,
      body: { error: 'invalid_request', error_description: `${'x'.repeat(183)}${echoOf(request).decoded}` },
    }),
  ],
  [
    'a redirect to a URL holding the request',
    (request) => ({
      status: 302,
      headers: {
        location: `https://elsewhere.example.test/?${echoOf(request).raw}&auth=${echoOf(request).authorization}`,
      },
    }),
  ],
  [
    'a body over the size bound',
    (request) => ({
      status: 400,
      headers: { 'x-echo': echoOf(request).raw },
      body: { error: echoOf(request).all, padding: 'x'.repeat(300 * 1024) },
    }),
  ],
];

/** An echo only a token request can get: revocation takes any 2xx as success. */
const TOKEN_ECHOES: typeof ECHOES = [
  ...ECHOES,
  [
    'a malformed token response',
    (request) => ({
      status: 200,
      body: {
        access_token: 'access-echo',
        token_type: `${'x'.repeat(20)}${echoOf(request).decoded}`,
        expires_in: echoOf(request).raw,
      },
    }),
  ],
];

let server: TokenServer;
beforeEach(async () => {
  server = await startTokenServer();
});
afterEach(async () => {
  await server.close();
});

describe.each<ClientAuthMethod>(['client_secret_post', 'client_secret_basic'])('%s', (authMethod) => {
  const client = (url = server.url) =>
    new M2MClient({ url, clientId: CLIENT_ID, clientSecret: SECRET, authMethod, retries: 0, timeout: 2000 });

  it.each(TOKEN_ECHOES)('a token request answered with the request echoed in %s', async (_name, echo) => {
    server.setDefault(echo);
    const error = await rejectionOf(client().getToken());
    expectNoLeak(error);
    expect(error.message).not.toBe('');
    // The scan means something only if the reply did carry the secret.
    expect(server.requests[0]?.raw.length).toBeGreaterThan(0);
  });

  it.each(ECHOES)('a revocation answered with the request echoed in %s', async (_name, echo) => {
    const m2m = client();
    await m2m.getToken();
    server.setDefault(echo);
    const error = await rejectionOf(m2m.revokeToken());
    expectNoLeak(error);
  });

  it.each(TOKEN_ECHOES)('the CLI, answered with the request echoed in %s', async (name, echo) => {
    server.setDefault(echo);
    const commands = [['token'], ...(ECHOES.some(([n]) => n === name) ? [['revoke', 'some-token']] : [])];
    for (const argv of commands) {
      const output: string[] = [];
      const status = await main({
        argv: [
          ...argv,
          '--url',
          server.url,
          '--client-id',
          CLIENT_ID,
          '--auth-method',
          authMethod,
          '--retries',
          '0',
        ],
        env: { M2M_CLIENT_SECRET: SECRET },
        stdin: process.stdin,
        stdout: (text) => output.push(text),
        stderr: (text) => output.push(text),
      });
      expect(status).toBeGreaterThan(0);
      expect(leakIn(output.join(''))).toBe('');
    }
  });

  it('keeps the OAuth code and the status of an echoing reply', async () => {
    server.setDefault((request) => ({
      status: 401,
      body: { error: 'invalid_client', error_description: echoOf(request).all },
    }));
    const error = await rejectionOf(client().getToken());
    expect({ code: error.code, status: error.status }).toEqual({
      code: M2MErrorCode.InvalidClient,
      status: 401,
    });
    expect(error.message).toContain('[redacted]');
  });
});

describe('a reply no HTTP parser accepts, with the secret in it', () => {
  let raw: Server;
  let url: string;
  beforeEach(async () => {
    raw = createServer((socket) => {
      socket.once('data', () => {
        socket.end(`HTTP/1.1 4${SECRET} ${formEncode(SECRET)}\r\n\r\n`);
      });
    });
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(raw.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    await new Promise<void>((resolve) => raw.close(() => resolve()));
  });

  it('fails as a network failure whose cause chain holds no piece of the secret', async () => {
    const m2m = new M2MClient({ url, clientId: CLIENT_ID, clientSecret: SECRET, retries: 0 });
    const error = await rejectionOf(m2m.getToken());
    expect({ code: error.code, status: error.status }).toEqual({
      code: M2MErrorCode.TemporarilyUnavailable,
      status: 0,
    });
    expect(error.cause).toBeInstanceOf(Error);
    expectNoLeak(error);
  });
});

describe('configuration errors', () => {
  const valid = { url: 'https://auth.example.test', clientId: CLIENT_ID, clientSecret: SECRET };
  const swappedUrl = 'https://auth.example.test';

  it.each<[string, Record<string, unknown>]>([
    ['the secret as the url', { url: SECRET }],
    ['the secret as a scope', { scopes: ['users:read', SECRET] }],
    ['the secret as an audience', { audience: [SECRET] }],
    ['the secret as the resource', { resource: SECRET }],
    ['the secret as the timeout', { timeout: SECRET }],
    ['the secret and the url swapped', { url: SECRET, clientSecret: swappedUrl }],
    ['the secret and a scope swapped', { scopes: [SECRET], clientSecret: 'users:read' }],
    ['the secret and the resource swapped', { resource: SECRET, clientSecret: swappedUrl }],
  ])('%s: refused, naming the field, quoting no part of the secret', (_name, override) => {
    let caught: unknown;
    try {
      new M2MClient({ ...valid, ...override } as never);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(Error);
    expect((caught as Error).message).toMatch(/^M2MClientConfig\.\w+/);
    expectNoLeak(caught);
  });

  it('a per-call option holding the secret is refused without quoting it', async () => {
    const m2m = new M2MClient(valid);
    const error = await rejectionOf(m2m.getToken({ scopes: [SECRET] }));
    expect(error.code).toBe(M2MErrorCode.InvalidRequest);
    expectNoLeak(error);
  });
});
