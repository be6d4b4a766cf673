import { type Challenge, missingToken, refusal } from './errors.js';

/**
 * The parts of a Node `IncomingMessage` (or an Express request) the verifier reads. Any object of
 * this shape works; nothing of `node:http` is needed.
 */
export type NodeRequestLike = {
  /** The request method (a DPoP proof's `htm` must be it); `GET` when absent. */
  method?: string | undefined;
  /** The request target (path and query), as Node gives it. */
  url?: string | undefined;
  /** The request headers, with lower-case names as Node gives them. */
  headers: Readonly<Record<string, string | string[] | undefined>>;
};

/** What the request presents: the access token, how, and its DPoP proof if any. */
export type PresentedCredentials = {
  scheme: 'Bearer' | 'DPoP';
  token: string;
  /** The `DPoP` header (RFC 9449 §4.1), when there is exactly one. */
  proof: string | undefined;
};

/** RFC 6750 §2.1 b64token, which RFC 9449 §7.1 uses for the DPoP scheme too. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
/** A compact JWS: three base64url parts. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** True for a Fetch `Request` (or anything whose headers are a `Headers`). */
export function isFetchRequest(request: Request | NodeRequestLike): request is Request {
  return typeof (request.headers as Headers).get === 'function';
}

/** A header's value; repeated fields are joined with ", " as Fetch and Node do for most headers. */
export function headerOf(request: Request | NodeRequestLike, name: string): string | undefined {
  if (isFetchRequest(request)) return request.headers.get(name) ?? undefined;
  const value = (request as NodeRequestLike).headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/**
 * Reads `Authorization: Bearer <token>` (RFC 6750 §2.1) or `Authorization: DPoP <token>` with its
 * `DPoP` proof header (RFC 9449 §7.1). No token, or another scheme: `invalid_token` with a bare
 * challenge (RFC 6750 §3.1); a malformed header: `invalid_request`; more than one DPoP proof:
 * `invalid_dpop_proof` (RFC 9449 §4.3).
 */
export function presentedCredentials(
  request: Request | NodeRequestLike,
  dpopAlgorithms: readonly string[],
): PresentedCredentials {
  const authorization = headerOf(request, 'authorization')?.trim();
  const [schemeName = '', ...rest] = authorization ? authorization.split(/ +/) : [];
  const lower = schemeName.toLowerCase();
  if (lower !== 'bearer' && lower !== 'dpop') throw missingToken(dpopAlgorithms);
  const scheme = lower === 'bearer' ? 'Bearer' : 'DPoP';
  const challenge: Challenge = { scheme, dpopAlgorithms };
  const [token] = rest;
  if (rest.length !== 1 || token === undefined || !B64TOKEN.test(token))
    throw refusal('invalid_request', `the Authorization header is not "${scheme} <token>"`, challenge);
  const proofHeader = headerOf(request, 'dpop')?.trim();
  if (scheme === 'DPoP' && proofHeader !== undefined && !COMPACT_JWS.test(proofHeader))
    throw refusal(
      'invalid_dpop_proof',
      'the request must carry one DPoP header holding one proof',
      challenge,
    );
  return { scheme, token, proof: proofHeader || undefined };
}
