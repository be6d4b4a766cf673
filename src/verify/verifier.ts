import { requireScopes, type VerifiedM2MTokenClaims, verifyAccessToken } from './access-token.js';
import { type M2MTokenVerifierOptions, resolveVerifierSettings } from './config.js';
import { isFetchRequest, type NodeRequestLike, presentedCredentials } from './credentials.js';
import { verifyDPoPProof } from './dpop.js';
import { type Challenge, refusal } from './errors.js';
import { remoteKeys } from './keys.js';
import { createReplayCache } from './replay-cache.js';

/** Per-call options of {@link M2MTokenVerifier.verify}. */
export type VerifyOptions = {
  /** Scopes this call needs, besides the verifier's `requiredScopes`. */
  scopes?: string[];
};

/** Per-call options of {@link M2MTokenVerifier.verifyRequest}. */
export type VerifyRequestOptions = VerifyOptions & {
  /**
   * The URL the service was reached at, which a DPoP proof's `htu` must name (query and fragment
   * aside). Default for a Fetch `Request`: `request.url`. Required for a Node request.
   */
  url?: string | URL;
};

/**
 * Verifies the access tokens an API receives. Made by {@link createM2MTokenVerifier}.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc9068#section-4 | RFC 9068 §4}
 */
export type M2MTokenVerifier = {
  /**
   * Verifies a token that came as a Bearer token: RFC 9068 §4 and every required scope. A
   * DPoP-bound token (one with a `cnf` claim) is refused: verify its request with `verifyRequest`.
   *
   * @throws {@link M2MTokenVerificationError} `invalid_token` (401), `insufficient_scope` (403), or
   *   `temporarily_unavailable` (503) when the issuer's keys cannot be fetched.
   */
  verify(token: string, options?: VerifyOptions): Promise<VerifiedM2MTokenClaims>;
  /**
   * Verifies the token of a request: `Authorization: Bearer <token>`, or `Authorization: DPoP <token>`
   * with its `DPoP` proof for a DPoP-bound token (RFC 9449 §7.1). A DPoP-bound token sent as Bearer
   * is refused.
   *
   * @param request - a Fetch `Request`; its URL is `request.url` unless `options.url` says otherwise
   * @throws {@link M2MTokenVerificationError} `invalid_request` (400), `invalid_token` (401),
   *   `invalid_dpop_proof` (401), `insufficient_scope` (403) or `temporarily_unavailable` (503).
   * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-7.1 | RFC 9449 §7.1}
   */
  verifyRequest(request: Request, options?: VerifyRequestOptions): Promise<VerifiedM2MTokenClaims>;
  /**
   * Verifies the token of a Node request (an `IncomingMessage`, or an Express request), as for a Fetch
   * `Request`; `options.url` is the URL the service was reached at, which a DPoP proof must name.
   *
   * @throws {@link M2MTokenVerificationError} as for a Fetch `Request`.
   * @throws TypeError when `options.url` is missing.
   * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-7.1 | RFC 9449 §7.1}
   */
  verifyRequest(
    request: NodeRequestLike,
    options: VerifyRequestOptions & { url: string | URL },
  ): Promise<VerifiedM2MTokenClaims>;
};

/**
 * Creates a verifier for the access tokens of one issuer and one audience (this API). The issuer's
 * JWK Set is fetched on the first verification and cached; see `docs/verify.md`.
 *
 * @example
 * ```ts
 * const verifier = createM2MTokenVerifier({ url: 'https://auth.yourapp.com', audience: 'https://api.yourapp.com' });
 * const claims = await verifier.verify(token, { scopes: ['orders:write'] });
 * ```
 * @throws TypeError when an option is invalid (the message names it).
 * @see {@link https://www.rfc-editor.org/rfc/rfc9068#section-4 | RFC 9068 §4}
 * @see {@link https://www.rfc-editor.org/rfc/rfc6750#section-3 | RFC 6750 §3}
 */
export function createM2MTokenVerifier(options: M2MTokenVerifierOptions): M2MTokenVerifier {
  const settings = resolveVerifierSettings(options);
  const keys = remoteKeys(settings.jwksUri, settings.fetch);
  const replays = createReplayCache(settings.dpop.replayCacheSize);
  const dpopAlgorithms = settings.dpop.algorithms;
  const scopesFor = (options?: VerifyOptions) =>
    options?.scopes ? [...settings.requiredScopes, ...options.scopes] : settings.requiredScopes;

  async function verify(token: string, options?: VerifyOptions): Promise<VerifiedM2MTokenClaims> {
    const challenge: Challenge = { scheme: 'Bearer', dpopAlgorithms };
    const claims = await verifyAccessToken(token, settings, keys, challenge);
    if (claims.cnf !== undefined) throw boundAsBearer(challenge);
    requireScopes(claims, scopesFor(options), challenge);
    return claims;
  }

  async function verifyRequest(
    request: Request | NodeRequestLike,
    options?: VerifyRequestOptions,
  ): Promise<VerifiedM2MTokenClaims> {
    const url = options?.url ?? (isFetchRequest(request) ? request.url : undefined);
    if (url === undefined)
      throw new TypeError(
        'verifyRequest: a Node request needs options.url, the URL the service was reached at',
      );
    const { scheme, token, proof } = presentedCredentials(request, dpopAlgorithms);
    const challenge: Challenge = { scheme, dpopAlgorithms };
    const claims = await verifyAccessToken(token, settings, keys, challenge);
    if (scheme === 'Bearer') {
      if (claims.cnf !== undefined) throw boundAsBearer(challenge);
    } else {
      const jkt = dpopKeyOf(claims, challenge);
      if (proof === undefined)
        throw refusal('invalid_dpop_proof', 'the request carries no DPoP proof', challenge);
      const method = request.method ?? 'GET';
      await verifyDPoPProof(proof, { method, url, accessToken: token, jkt }, settings, replays, challenge);
    }
    requireScopes(claims, scopesFor(options), challenge);
    return claims;
  }

  return { verify, verifyRequest } as M2MTokenVerifier;
}

function boundAsBearer(challenge: Challenge) {
  return refusal(
    'invalid_token',
    'the token is bound to a key (cnf): present it with the DPoP scheme and a proof',
    challenge,
  );
}

/** The thumbprint a DPoP-scheme token is bound to; only `cnf.jkt` is understood (RFC 9449 §6.1). */
function dpopKeyOf(claims: VerifiedM2MTokenClaims, challenge: Challenge): string {
  const { cnf } = claims;
  const members = typeof cnf === 'object' && cnf !== null ? Object.keys(cnf) : [];
  if (typeof cnf?.jkt !== 'string' || members.length !== 1)
    throw refusal('invalid_token', 'the token is not DPoP-bound (cnf.jkt)', challenge);
  return cnf.jkt;
}
