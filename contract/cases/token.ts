// The token endpoint's answers to requests it must grant: a token response, the scopes, the audience.
import { decodeJwt, type JWTPayload } from 'jose';
import type { M2MTokenResponse } from '../../src/index.js';
import { type Checks, DOC, describeAnswer, quoted } from '../checks.js';
import type { Case, TokenOutcome } from '../kit.js';

const ISSUED = `${DOC.spec} POST /oauth2/token 200; ${DOC.rfc6749('5.1')}`;

/**
 * Records whether a token was issued; true when there is one to look at. `setup`: getting the token is
 * a step of the case, not its point.
 */
export function tokenIssued(
  checks: Checks,
  outcome: TokenOutcome,
  name: string,
  setup = false,
): outcome is TokenOutcome & { token: M2MTokenResponse } {
  if (outcome.token) {
    const { token } = outcome;
    return checks.pass(name, `200, ${token.token_type}, expires_in ${token.expires_in} s`, ISSUED, setup);
  }
  const { answer } = outcome;
  const got =
    answer.status >= 200 && answer.status < 300
      ? `${answer.status} with a token response the SDK refuses: ${outcome.problem}`
      : describeAnswer(answer);
  return checks.fail(name, '200 with a token response', got, ISSUED);
}

/** The claims of a JWT access token, or undefined for an opaque one. */
export function jwtClaims(accessToken: string): JWTPayload | undefined {
  try {
    return decodeJwt(accessToken);
  } catch {
    return undefined;
  }
}

/** RFC 6749 §5.1: a response without `scope` granted the requested scopes. */
function grantedScopes(token: M2MTokenResponse, requested: string[]): string[] {
  return token.scope === undefined ? requested : token.scope.split(' ').filter(Boolean);
}

/** Whether the token's `aud` (a string or an array) holds every requested audience. */
export function checkAudience(
  checks: Checks,
  name: string,
  requested: string[],
  claims: JWTPayload,
  source: string,
): void {
  const aud = claims.aud === undefined ? [] : [claims.aud].flat();
  checks.expect(
    requested.every((audience) => aud.includes(audience)),
    name,
    `aud with ${quoted(requested)}`,
    `aud ${JSON.stringify(claims.aud) ?? 'missing'}`,
    source,
  );
}

const NO_TOKEN = 'no token was issued';

export const TOKEN_CASES: Case[] = [
  {
    name: 'valid token request',
    run: async (kit, checks) => {
      const outcome = await kit.token();
      const source = `${DOC.spec} TokenResponse.access_token (a JWT with M2MTokenClaims); ${DOC.rfc9068('2.2')}`;
      if (!tokenIssued(checks, outcome, 'token issued')) {
        for (const name of ['Cache-Control: no-store', 'access token is a JWT', 'client_id claim'])
          checks.notApplicable(name, NO_TOKEN, source);
        return;
      }
      const cacheControl = outcome.answer.headers?.get('cache-control') ?? '';
      checks.expect(
        /\bno-store\b/i.test(cacheControl),
        'Cache-Control: no-store',
        'Cache-Control: no-store',
        cacheControl ? `Cache-Control: ${cacheControl}` : 'no Cache-Control header',
        DOC.rfc6749('5.1'),
      );
      const claims = jwtClaims(outcome.token.access_token);
      if (!claims) {
        checks.fail(
          'access token is a JWT',
          'a JWT',
          `an opaque token of ${outcome.token.access_token.length} characters`,
          source,
        );
        checks.notApplicable('client_id claim', 'the token is opaque', source);
        return;
      }
      checks.pass('access token is a JWT', 'a JWT', source);
      checks.expect(
        claims.client_id === kit.clientId,
        'client_id claim',
        `client_id "${kit.clientId}"`,
        `client_id ${JSON.stringify(claims.client_id) ?? 'missing'}`,
        source,
      );
    },
  },
  {
    name: 'scopes',
    run: async (kit, checks) => {
      const outcome = await kit.token({ scopes: kit.scopes, audience: kit.audience });
      const asked = kit.audience.length > 0 ? ` and audience ${quoted(kit.audience)}` : '';
      if (!tokenIssued(checks, outcome, `token for ${quoted(kit.scopes)}${asked}`)) return;
      const granted = grantedScopes(outcome.token, kit.scopes);
      const extra = granted.filter((scope) => !kit.scopes.includes(scope));
      const got =
        outcome.token.scope === undefined
          ? 'no scope in the response (the requested ones, RFC 6749 §5.1)'
          : `scope ${quoted(granted)}`;
      checks.expect(
        extra.length === 0,
        'no scope granted beyond the requested ones',
        `at most ${quoted(kit.scopes)}`,
        extra.length === 0 ? got : `${got}, with ${quoted(extra)} not requested`,
        DOC.rfc6749('3.3'),
      );
      const missing = kit.scopes.filter((scope) => !granted.includes(scope));
      checks.expect(
        missing.length === 0,
        'every requested scope granted',
        `scope ${quoted(kit.scopes)}`,
        `scope ${quoted(granted)}`,
        `${DOC.guide} (With Scopes: the token includes the requested scopes)`,
      );
    },
  },
  {
    name: 'audience',
    run: async (kit, checks) => {
      const source = `${DOC.spec} TokenRequest.audience (the token's aud holds the granted audiences); ${DOC.guide} (Audiences)`;
      const name = 'aud holds the requested audience';
      if (kit.audience.length === 0) {
        checks.notApplicable(name, 'no audience requested (--audience)', source);
        return;
      }
      const outcome = await kit.token({ scopes: kit.scopes, audience: kit.audience });
      if (!tokenIssued(checks, outcome, `token for audience ${quoted(kit.audience)}`, true)) return;
      const claims = jwtClaims(outcome.token.access_token);
      if (!claims) {
        checks.notApplicable(name, 'the token is opaque: no aud to read', source);
        return;
      }
      checkAudience(checks, name, kit.audience, claims, source);
    },
  },
];
