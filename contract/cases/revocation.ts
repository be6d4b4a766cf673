// Token revocation (RFC 7009): the issued token, the same token again, and one the server never issued.
import { DOC, describeAnswer } from '../checks.js';
import type { Case } from '../kit.js';
import { tokenIssued } from './token.js';

const REVOKED = `${DOC.spec} POST /oauth2/revoke 200 (whether or not the token was valid); ${DOC.rfc7009('2.2')}`;

export const REVOCATION_CASE: Case = {
  name: 'revocation',
  run: async (kit, checks) => {
    const outcome = await kit.token();
    const issued = tokenIssued(checks, outcome, 'token to revoke', true)
      ? outcome.token.access_token
      : undefined;
    const attempts: [string, string | undefined][] = [
      ['issued token revoked', issued],
      ['same token revoked again', issued],
      ['unknown token revoked', 'contract-test-unknown-token'],
    ];
    for (const [name, token] of attempts) {
      if (token === undefined) {
        checks.notApplicable(name, 'no token was issued', REVOKED);
        continue;
      }
      const answer = await kit.post('/oauth2/revoke', { token, token_type_hint: 'access_token' });
      checks.expect(answer.status === 200, name, '200', describeAnswer(answer), REVOKED);
    }
  },
};
