/** One challenge of a `WWW-Authenticate` header: its scheme (lower-cased) and parameters (names lower-cased). */
export type Challenge = {
  readonly scheme: string;
  readonly params: Readonly<Record<string, string>>;
};

const TOKEN = /[!#$%&'*+.^_`|~0-9A-Za-z-]+/y;
const PARAM =
  /[ \t]*([!#$%&'*+.^_`|~0-9A-Za-z-]+)[ \t]*=[ \t]*(?:"((?:[^"\\]|\\.)*)"|([!#$%&'*+.^_`|~0-9A-Za-z-]+))[ \t]*/y;
const TOKEN68 = /[ \t]*[A-Za-z0-9._~+/-]+=*[ \t]*(?=,|$)/y;
const SEPARATORS = /[ \t,]*/y;
const SPACES = /[ \t]*/y;

/**
 * Parses a `WWW-Authenticate` value into its challenges. Several header lines arrive joined by ", ", so
 * a comma ends either a parameter or a challenge: what follows decides. Malformed text ends the parse;
 * the challenges read until then are kept.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-11.6.1
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-11.2 (auth-param, token68)
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-7.1
 */
export function parseChallenges(header: string | null | undefined): Challenge[] {
  const challenges: Challenge[] = [];
  if (!header) return challenges;
  let at = 0;
  const match = (pattern: RegExp) => {
    pattern.lastIndex = at;
    const found = pattern.exec(header);
    if (found) at = pattern.lastIndex;
    return found;
  };
  while (at < header.length) {
    match(SEPARATORS);
    const scheme = match(TOKEN)?.[0];
    if (!scheme) break;
    const params: Record<string, string> = {};
    challenges.push({ scheme: scheme.toLowerCase(), params });
    if (match(TOKEN68)) continue;
    for (let param = match(PARAM); param; param = match(PARAM)) {
      const [, name = '', quoted, token] = param;
      params[name.toLowerCase()] = quoted === undefined ? (token ?? '') : quoted.replace(/\\(.)/g, '$1');
      // A comma followed by another name=value continues this challenge; anything else starts the next.
      const before = at;
      if (header[at] !== ',') break;
      at++;
      PARAM.lastIndex = at;
      if (!PARAM.test(header)) {
        at = before;
        break;
      }
    }
    // Only a comma may follow a challenge: anything else is malformed, and ends the parse.
    match(SPACES);
    if (at < header.length && header[at] !== ',') break;
  }
  return challenges;
}

/** What a 401 from a resource server asks the client to do, if anything. */
export type ChallengeAnswer = 'refresh-token' | 'use-nonce' | undefined;

/**
 * Reads a resource server's 401: `use_dpop_nonce` in a DPoP challenge (with a `DPoP-Nonce` header) asks
 * for a new proof with that nonce; `invalid_token` (expired, revoked, ...) asks for a new token. Anything
 * else (no challenge, `insufficient_scope`, `invalid_dpop_proof`) is not for the client to fix.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-7.1
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-9
 */
export function answerTo(header: string | null, hasNonce: boolean): ChallengeAnswer {
  let answer: ChallengeAnswer;
  for (const { scheme, params } of parseChallenges(header)) {
    if (scheme === 'dpop' && params.error === 'use_dpop_nonce' && hasNonce) return 'use-nonce';
    if ((scheme === 'bearer' || scheme === 'dpop') && params.error === 'invalid_token')
      answer = 'refresh-token';
  }
  return answer;
}
