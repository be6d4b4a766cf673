import type { VerifiedM2MTokenClaims } from './access-token.js';
import type { NodeRequestLike } from './credentials.js';
import { M2MTokenVerificationError } from './errors.js';
import type { M2MTokenVerifier } from './verifier.js';

/** Options of {@link requireM2MToken}. */
export type RequireM2MTokenOptions = {
  /** Scopes the routes behind the middleware need, besides the verifier's `requiredScopes`. */
  scopes?: string[];
  /**
   * The scheme, host and port clients reach this service at (`https://api.yourapp.com`), which a DPoP
   * proof's `htu` must name. Default: from the request (`Host`, and `https` on a TLS socket): set it
   * behind a proxy or TLS terminator, and to stop trusting the `Host` header.
   */
  origin?: string;
};

/** The request the middleware reads; on success it gets `m2m`, the verified claims. */
export type M2MMiddlewareRequest = NodeRequestLike & {
  /** Express keeps the full path here when a router is mounted on a prefix. */
  originalUrl?: string;
  /** A TLS socket (`encrypted`) makes the default origin https. */
  socket?: object | null;
  /** The claims of the verified token, set before `next()` is called. */
  m2m?: VerifiedM2MTokenClaims;
};

/** What the middleware needs of the response: a `ServerResponse` or an Express response. */
export type M2MMiddlewareResponse = {
  /** Set to 400, 401, 403 or 503 for a refusal. */
  statusCode: number;
  /** Sets `WWW-Authenticate`, `Cache-Control` and `Content-Type` of a refusal. */
  setHeader(name: string, value: string): unknown;
  /** Sends the JSON body of a refusal. */
  end(body: string): unknown;
};

/** Connect-style middleware for Express and plain `node:http`. */
export type M2MMiddleware = (
  req: M2MMiddlewareRequest,
  res: M2MMiddlewareResponse,
  next: (error?: unknown) => void,
) => void;

/**
 * Middleware that lets a request through only with a valid access token (and its DPoP proof when the
 * token is bound): it sets `req.m2m` to the claims and calls `next()`. Otherwise it answers itself,
 * through `res.statusCode`, `res.setHeader` and `res.end`, with a JSON `{ error, error_description }`:
 * 400 or 401 with `WWW-Authenticate` (no token, an invalid token or proof), 403 with
 * `WWW-Authenticate` naming the scopes (a scope is missing), 503 (the issuer's keys are unavailable).
 * An unexpected error goes to `next(error)`.
 *
 * @example
 * ```ts
 * app.get('/orders', requireM2MToken(verifier, { scopes: ['orders:read'] }), (req, res) => {
 *   res.json({ caller: req.m2m?.client_id });
 * });
 * ```
 * @throws TypeError when `origin` is not an http(s) origin.
 * @see {@link https://www.rfc-editor.org/rfc/rfc6750#section-3 | RFC 6750 §3}
 */
export function requireM2MToken(
  verifier: M2MTokenVerifier,
  options: RequireM2MTokenOptions = {},
): M2MMiddleware {
  const origin = options.origin === undefined ? undefined : checkOrigin(options.origin);
  const scopes = options.scopes;
  return (req, res, next) => {
    const url = requestUrl(req, origin);
    verifier.verifyRequest(req, { url, ...(scopes && { scopes }) }).then(
      (claims) => {
        req.m2m = claims;
        next();
      },
      (error: unknown) => {
        if (!(error instanceof M2MTokenVerificationError)) return next(error);
        res.statusCode = error.status;
        if (error.wwwAuthenticate !== undefined) res.setHeader('WWW-Authenticate', error.wwwAuthenticate);
        res.setHeader('Cache-Control', 'no-store');
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify({ error: error.code, error_description: error.message }));
      },
    );
  };
}

function requestUrl(req: M2MMiddlewareRequest, origin: string | undefined): string {
  const path = req.originalUrl ?? req.url ?? '/';
  const base =
    origin ??
    `${(req.socket as { encrypted?: unknown } | null | undefined)?.encrypted === true ? 'https' : 'http'}://${headerValue(req.headers.host) ?? 'localhost'}`;
  // Concatenated, not resolved: a path such as "//host/x" must not change the host.
  return `${base}${path.startsWith('/') ? path : `/${path}`}`;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function checkOrigin(value: string): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(value);
  } catch {}
  if (
    !parsed ||
    (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') ||
    `${parsed.origin}/` !== parsed.href
  )
    throw new TypeError(
      `requireM2MToken: origin must be an http(s) origin such as https://api.yourapp.com (got ${JSON.stringify(value)})`,
    );
  return parsed.origin;
}
