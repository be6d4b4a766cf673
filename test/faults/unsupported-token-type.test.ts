// A server that cannot revoke the token's type answers 400 unsupported_token_type (RFC 7009 §2.2.1),
// as oidc-provider does for JWT access tokens. It has its own code, its own CLI exit status, and says
// what the caller can do: the token stays valid until it expires. Against a real loopback server.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { M2MClient, M2MError, M2MErrorCode } from '../../src/index.js';
import { rejectionOf } from '../integration/fixtures.js';
import { startOidcProvider } from '../support/oidc-provider.js';
import { startTokenServer, type TokenServer } from '../support/token-server.js';

const cannotRevoke = {
  status: 400,
  body: { error: 'unsupported_token_type', error_description: 'only refresh tokens can be revoked' },
};

let server: TokenServer;
beforeEach(async () => {
  server = await startTokenServer();
});
afterEach(async () => {
  await server.close();
});

describe('revokeToken() answered with unsupported_token_type', () => {
  it('reports M2MErrorCode.UnsupportedTokenType, says the token stays valid, keeps it, does not retry', async () => {
    const m2m = new M2MClient({
      url: server.url,
      clientId: 'svc',
      clientSecret: 'revoke-secret',
      retries: 3,
    });
    const token = await m2m.getToken();
    server.setDefault(cannotRevoke);
    const error = await m2m.revokeToken().then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(M2MError);
    const failure = error as M2MError;
    expect(failure.code).toBe(M2MErrorCode.UnsupportedTokenType);
    expect(failure.code).toBe('unsupported_token_type');
    expect(failure.status).toBe(400);
    expect(failure.transient).toBe(false);
    expect(failure.message).toContain('only refresh tokens can be revoked');
    expect(failure.message).toContain('stays valid until it expires');
    expect(server.requests.filter((request) => request.path === '/oauth2/revoke')).toHaveLength(1);
    expect(m2m.getCachedToken()).toBe(token);
  });
});

describe('passflow-m2m revoke answered with unsupported_token_type', () => {
  it('exits with its own status, 12, and one line naming the code', async () => {
    server.setDefault(cannotRevoke);
    const stderr: string[] = [];
    const status = await main({
      argv: ['revoke', '--url', server.url, '--client-id', 'svc', 'some-token'],
      env: { M2M_CLIENT_SECRET: 'revoke-secret' },
      stdin: process.stdin,
      stdout: () => undefined,
      stderr: (text) => stderr.push(text),
    });
    expect(status).toBe(12);
    expect(stderr.join('')).toMatch(
      /^passflow-m2m: unsupported_token_type: .*stays valid until it expires.*\n$/,
    );
  });

  it('lists the status in --help', async () => {
    const stdout: string[] = [];
    await main({
      argv: ['--help'],
      env: {},
      stdin: process.stdin,
      stdout: (text) => stdout.push(text),
      stderr: () => undefined,
    });
    expect(stdout.join('')).toMatch(
      /^ +12 +unsupported_token_type \(revoke: the token stays valid until it expires\)$/m,
    );
  });
});

describe('against oidc-provider, which does not revoke its JWT access tokens', () => {
  it('revokeToken() reports unsupported_token_type, final, and keeps the token', async () => {
    const provider = await startOidcProvider({
      clients: [
        {
          client_id: 'jwt-client',
          client_secret: 'jwt-secret-0123456789',
          token_endpoint_auth_method: 'client_secret_post',
        },
      ],
    });
    try {
      const m2m = new M2MClient({
        url: provider.issuer,
        clientId: 'jwt-client',
        clientSecret: 'jwt-secret-0123456789',
        retries: 3,
        retryDelay: 1,
      });
      const token = await m2m.getToken();
      const error = await rejectionOf(m2m.revokeToken());
      expect({ code: error.code, status: error.status }).toEqual({
        code: M2MErrorCode.UnsupportedTokenType,
        status: 400,
      });
      expect(provider.requests.filter((request) => request.path === '/oauth2/revoke')).toHaveLength(1);
      expect(m2m.getCachedToken()).toBe(token);
    } finally {
      await provider.close();
    }
  });
});
