// Requests the token endpoint must refuse, each with the error RFC 6749 §5.2 and the spec name.
import type { M2MTokenResponse } from '../../src/index.js';
import { type Answer, DOC, describeAnswer } from '../checks.js';
import type { Case } from '../kit.js';

const UNSUPPORTED_GRANT = 'urn:passflow:params:grant-type:contract-test-unsupported';

/** What came instead of a refusal: the status, and what a token issued in its place was granted. */
function refusalGot(answer: Answer, token?: M2MTokenResponse): string {
  if (answer.status < 200 || answer.status >= 300) return describeAnswer(answer);
  if (!token) return `${answer.status}: a token was issued`;
  return token.scope === undefined
    ? `${answer.status}: a token was issued, its response naming no scope (the requested one, RFC 6749 §5.1)`
    : `${answer.status}: a token was issued with scope "${token.scope}"`;
}

export const REFUSAL_CASES: Case[] = [
  {
    name: 'wrong secret',
    run: async (kit, checks) => {
      kit.recorder.prefer('code=401');
      // The secret itself is never shown: only that a wrong one was rejected.
      const { answer } = await kit.token({ clientSecret: `${kit.clientSecret}-wrong` });
      if (kit.authMethod === 'client_secret_basic') {
        const source = `${DOC.rfc6749('5.2')} (credentials in the Authorization header); ${DOC.spec} POST /oauth2/token 401`;
        checks.expect(
          answer.status === 401 && answer.error === 'invalid_client',
          'wrong secret refused',
          '401 invalid_client',
          refusalGot(answer),
          source,
        );
        if (answer.status !== 401) {
          checks.notApplicable('WWW-Authenticate on the 401', 'no 401 came', DOC.rfc6749('5.2'));
          return;
        }
        const challenge = answer.headers?.get('www-authenticate');
        checks.expect(
          Boolean(challenge),
          'WWW-Authenticate on the 401',
          'a WWW-Authenticate header',
          challenge ? `WWW-Authenticate: ${challenge}` : 'none',
          DOC.rfc6749('5.2'),
        );
        return;
      }
      checks.expect(
        (answer.status === 400 || answer.status === 401) && answer.error === 'invalid_client',
        'wrong secret refused',
        '400 or 401 invalid_client',
        refusalGot(answer),
        `${DOC.rfc6749('5.2')} (credentials in the body); ${DOC.spec} POST /oauth2/token 400, 401`,
      );
    },
  },
  {
    name: 'disallowed scope',
    run: async (kit, checks) => {
      kit.recorder.prefer('code=400, example=invalidScope');
      const outcome = await kit.token({ scopes: [kit.disallowedScope] });
      checks.expect(
        outcome.answer.status === 400 && outcome.answer.error === 'invalid_scope',
        `scope "${kit.disallowedScope}" refused`,
        '400 invalid_scope',
        refusalGot(outcome.answer, outcome.token),
        `${DOC.guide} (Scope Validation); ${DOC.spec} POST /oauth2/token 400 (invalidScope); ${DOC.rfc6749('5.2')}`,
      );
    },
  },
  {
    name: 'unsupported grant',
    run: async (kit, checks) => {
      // This request breaks the spec on purpose (grant_type is const): it goes through the proxy that
      // forwards it, which still validates the response.
      const answer = await kit.post(
        '/oauth2/token',
        { grant_type: UNSUPPORTED_GRANT },
        { lax: true, prefer: 'code=400, example=unsupportedGrantType' },
      );
      checks.expect(
        answer.status === 400 && answer.error === 'unsupported_grant_type',
        'unknown grant_type refused',
        '400 unsupported_grant_type',
        answer.status >= 200 && answer.status < 300
          ? `${answer.status}: the grant was accepted`
          : describeAnswer(answer),
        DOC.rfc6749('5.2'),
      );
    },
  },
];
