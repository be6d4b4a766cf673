// parseToken never invents a claim: a JWT without a claim RFC 9068 §2.2 requires is refused, naming
// what it lacks, instead of coming back with "" or 0 (an `exp` of 0 reads as "expired in 1970").
// `passflow-m2m inspect` shows such a token as it is, with the claim absent.
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { M2MClient, M2MError, M2MErrorCode } from '../../src/index.js';

const m2m = new M2MClient({ url: 'http://127.0.0.1:9', clientId: 'svc', clientSecret: 'claims-secret' });

/** An unsigned JWT-shaped string with exactly these claims (parseToken does not verify signatures). */
function jwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'at+jwt' })}.${part(claims)}.`;
}

const now = Math.floor(Date.now() / 1000);
const COMPLETE = {
  iss: 'https://auth.example.test',
  sub: 'svc',
  aud: ['https://api.example.test'],
  client_id: 'svc',
  iat: now,
  exp: now + 3600,
  jti: 'tok-1',
};

function refusal(token: string): M2MError {
  try {
    m2m.parseToken(token);
  } catch (error) {
    expect(error).toBeInstanceOf(M2MError);
    return error as M2MError;
  }
  throw new Error('parseToken accepted the token');
}

describe('parseToken', () => {
  it.each(Object.keys(COMPLETE))('a token without %s is refused, naming it; nothing is made up', (claim) => {
    const { [claim]: _left, ...rest } = COMPLETE as Record<string, unknown>;
    const error = refusal(jwt(rest));
    expect(error.code).toBe(M2MErrorCode.InvalidRequest);
    expect(error.message).toContain(`${claim} is missing`);
    expect(error.message).toContain('RFC 9068');
  });

  it('a token without iss, sub, exp and iat names all four', () => {
    const { iss: _iss, sub: _sub, exp: _exp, iat: _iat, ...rest } = COMPLETE;
    expect(refusal(jwt(rest)).message).toMatch(
      /iss is missing, exp is missing, sub is missing, .*iat is missing/,
    );
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['exp as a string', { exp: String(now + 3600) }, 'exp is not a number'],
    ['iat as null', { iat: null }, 'iat is not a number'],
    ['sub as a number', { sub: 42 }, 'sub is not a string'],
    ['aud with a number in it', { aud: ['https://api.example.test', 7] }, 'aud is not a string or a list'],
    ['client_id as an object', { client_id: { id: 'svc' } }, 'client_id is not a string'],
    ['tenant_id as a number', { tenant_id: 7 }, 'tenant_id is not a string'],
  ])('%s is refused, not coerced', (_name, override, problem) => {
    expect(refusal(jwt({ ...COMPLETE, ...override })).message).toContain(problem);
  });

  it('client_id is the token’s own, never copied from sub', () => {
    const { client_id: _client, ...rest } = COMPLETE;
    expect(refusal(jwt({ ...rest, sub: 'someone-else' })).message).toContain('client_id is missing');
  });

  it('a complete token comes back as it is, without a Passflow type it does not carry', () => {
    const claims = m2m.parseToken(jwt(COMPLETE));
    expect(claims).toEqual({ ...COMPLETE, scopes: [] });
    expect('type' in claims).toBe(false);
    expect('tenant_id' in claims).toBe(false);
  });
});

describe('passflow-m2m inspect of a token that lacks claims', () => {
  async function inspectJson(claims: Record<string, unknown>): Promise<Record<string, unknown>> {
    const stdout: string[] = [];
    const status = await main({
      argv: ['inspect', '--json', jwt(claims)],
      env: {},
      stdin: process.stdin,
      stdout: (text) => stdout.push(text),
      stderr: () => undefined,
    });
    expect(status).toBe(0);
    return JSON.parse(stdout.join(''));
  }

  it('shows the claims it has and leaves out those it lacks', async () => {
    const shown = await inspectJson({ client_id: 'svc', scope: 'a:read' });
    expect(shown).toEqual({ client_id: 'svc', scope: 'a:read', scopes: ['a:read'] });
  });

  it('says the expiry is unknown rather than "expired in 1970"', async () => {
    const stdout: string[] = [];
    await main({
      argv: ['inspect', jwt({ client_id: 'svc' })],
      env: {},
      stdin: process.stdin,
      stdout: (text) => stdout.push(text),
      stderr: () => undefined,
    });
    expect(stdout.join('')).toMatch(/^expiry +no expiry \(exp claim missing/m);
    expect(stdout.join('')).not.toContain('1970');
  });
});
