/**
 * Why a token or a request was refused, as RFC 6750 §3.1 and RFC 9449 §7.1 name it, plus
 * `temporarily_unavailable` for a verifier that cannot reach the issuer's keys.
 *
 * | code | status | when |
 * | --- | --- | --- |
 * | `invalid_request` | 400 | the `Authorization` header is malformed |
 * | `invalid_token` | 401 | no token, or a token that is expired, forged, for another audience, ... |
 * | `insufficient_scope` | 403 | a valid token without every required scope |
 * | `invalid_dpop_proof` | 401 | the DPoP proof of a DPoP-bound token is missing or wrong |
 * | `temporarily_unavailable` | 503 | the issuer's JWKS could not be fetched: retry later |
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc6750#section-3.1 | RFC 6750 §3.1}
 * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-7.1 | RFC 9449 §7.1}
 */
export type M2MTokenVerificationErrorCode =
  | 'invalid_request'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'invalid_dpop_proof'
  | 'temporarily_unavailable';

/** The HTTP status an API answers with for each {@link M2MTokenVerificationErrorCode}. */
export type M2MTokenVerificationStatus = 400 | 401 | 403 | 503;

const STATUS = {
  invalid_request: 400,
  invalid_token: 401,
  insufficient_scope: 403,
  invalid_dpop_proof: 401,
  temporarily_unavailable: 503,
} as const satisfies Record<M2MTokenVerificationErrorCode, M2MTokenVerificationStatus>;

/** How the token arrived, and so which challenge answers it (RFC 9449 §7.1). */
export type Challenge = {
  scheme: 'Bearer' | 'DPoP';
  /** The proof algorithms a DPoP challenge advertises (`algs`). */
  dpopAlgorithms: readonly string[];
  /** The scopes a `insufficient_scope` challenge names. */
  scopes?: readonly string[];
};

/** What {@link M2MTokenVerificationError} is built from. */
export type M2MTokenVerificationErrorInit = {
  /** Why the token or request was refused; it sets the status. */
  code: M2MTokenVerificationErrorCode;
  /** Why, in words that are safe to send to the caller (it becomes `error_description`). */
  message: string;
  /** The `WWW-Authenticate` value to answer with; none for `temporarily_unavailable`. */
  wwwAuthenticate?: string;
  /** The jose error (or fetch failure) behind it. */
  cause?: unknown;
};

/**
 * A token or request the verifier refused, or keys it could not get. It carries what an API needs to
 * answer: `status`, and `wwwAuthenticate` ready to send as the `WWW-Authenticate` header. It never
 * holds the token or the proof; the jose error it comes from is its `cause`.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc6750#section-3 | RFC 6750 §3} (the challenge)
 * @see {@link https://www.rfc-editor.org/rfc/rfc9068#section-4 | RFC 9068 §4} (what is checked)
 */
export class M2MTokenVerificationError extends Error {
  /** Always `'M2MTokenVerificationError'`. */
  override readonly name = 'M2MTokenVerificationError';
  /** Why: see {@link M2MTokenVerificationErrorCode}. */
  readonly code: M2MTokenVerificationErrorCode;
  /** 400, 401, 403 or 503: the status an API answers with. */
  readonly status: M2MTokenVerificationStatus;
  /** The `WWW-Authenticate` header value for a 400, 401 or 403; undefined for a 503. */
  readonly wwwAuthenticate: string | undefined;

  /** Errors are made by the verifier; construct one yourself only to test code that handles them. */
  constructor(init: M2MTokenVerificationErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.status = STATUS[init.code];
    this.wwwAuthenticate = init.wwwAuthenticate;
  }

  /** True when the same request may succeed later (`temporarily_unavailable`): answer 503, not 401. */
  get retryable(): boolean {
    return this.code === 'temporarily_unavailable';
  }

  /** The fields an API may log or send; never the token. */
  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, status: this.status, message: this.message };
  }
}

/** A refusal of the request with the challenge of its scheme (RFC 6750 §3, RFC 9449 §7.1). */
export function refusal(
  code: Exclude<M2MTokenVerificationErrorCode, 'temporarily_unavailable'>,
  description: string,
  challenge: Challenge,
  cause?: unknown,
): M2MTokenVerificationError {
  const message = quotable(description);
  const params = [`error="${code}"`, `error_description="${message}"`];
  if (code === 'insufficient_scope' && challenge.scopes?.length)
    params.push(`scope="${challenge.scopes.join(' ')}"`);
  if (challenge.scheme === 'DPoP') params.push(`algs="${challenge.dpopAlgorithms.join(' ')}"`);
  const wwwAuthenticate = `${challenge.scheme} ${params.join(', ')}`;
  return new M2MTokenVerificationError({
    code,
    message,
    wwwAuthenticate,
    ...(cause !== undefined && { cause }),
  });
}

/** No credentials at all: a challenge without an error code (RFC 6750 §3.1), for both schemes. */
export function missingToken(dpopAlgorithms: readonly string[]): M2MTokenVerificationError {
  return new M2MTokenVerificationError({
    code: 'invalid_token',
    message: 'the request carries no access token',
    wwwAuthenticate: `Bearer, DPoP algs="${dpopAlgorithms.join(' ')}"`,
  });
}

/** The issuer's keys could not be fetched or used: the caller is not at fault, retry later. */
export function keysUnavailable(jwksUri: string, cause: unknown): M2MTokenVerificationError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new M2MTokenVerificationError({
    code: 'temporarily_unavailable',
    message: `the signing keys of the issuer could not be fetched from ${jwksUri}: ${quotable(reason)}`,
    cause,
  });
}

/** RFC 6750 §3: error_description is limited to %x20-21 / %x23-5B / %x5D-7E. */
function quotable(text: string): string {
  return text.replace(/"/g, "'").replace(/[^\x20-\x21\x23-\x5B\x5D-\x7E]/g, '?');
}
