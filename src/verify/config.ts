import type { paths } from '../generated/schema.js';

/** Where the OpenAPI document puts the issuer's JWK Set, relative to the server URL. */
const JWKS_PATH = '/.well-known/jwks.json' satisfies keyof paths;

/**
 * The JWS algorithms a verifier may accept: asymmetric ones only (RFC 7518 §3.1, RFC 8037 §3.1,
 * RFC 9864). Never `none`, never an HMAC algorithm: a verifier holds public keys, and an HS256
 * token "signed" with a public key must not pass.
 */
export const ASYMMETRIC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
] as const;

/** Where the issuer is: its `url` (as for `M2MClient`), its exact `issuer` identifier, or both. */
export type M2MTokenIssuerLocation =
  | {
      /** The Passflow server URL, as given to `M2MClient`; the tokens' `iss` unless `issuer` says otherwise. */
      url: string;
      /** The exact `iss` claim the tokens carry (default: `url` without a trailing slash). */
      issuer?: string;
    }
  | {
      /** The Passflow server URL; the default JWKS URL is under it (default: under `issuer`). */
      url?: string;
      /** The exact `iss` claim the tokens carry. */
      issuer: string;
    };

/** DPoP settings of a verifier (RFC 9449). */
export type M2MDPoPVerificationOptions = {
  /** Proof algorithms accepted (default: every asymmetric one). */
  algorithms?: string[];
  /** How old a proof's `iat` may be, in seconds, besides `clockTolerance` (default 60). */
  maxProofAge?: number;
  /** How many proof ids (`jti`) are remembered to refuse replays (default 100,000). */
  replayCacheSize?: number;
};

/**
 * Options of {@link createM2MTokenVerifier}.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc9068#section-4 | RFC 9068 §4}
 */
export type M2MTokenVerifierOptions = M2MTokenIssuerLocation & {
  /** The identifier of this API: a token's `aud` must contain it. */
  audience: string;
  /** The JWK Set URL (default: `{url or issuer}/.well-known/jwks.json`, as the OpenAPI document defines). */
  jwksUri?: string;
  /** Scopes every token must grant (per call, `scopes` adds to them). */
  requiredScopes?: string[];
  /** Seconds of clock skew allowed for `exp`, `nbf`, `iat` and DPoP proofs (default 30). */
  clockTolerance?: number;
  /** Accepted token algorithms (default: every asymmetric one; `none` and HMAC are refused here). */
  algorithms?: string[];
  /** The fetch used for the JWK Set (default `globalThis.fetch`). */
  fetch?: typeof fetch;
  /** Allow plain `http:` for a non-loopback issuer or JWKS URL (default false). */
  allowInsecureHttp?: boolean;
  /** DPoP proof checks for DPoP-bound tokens. */
  dpop?: M2MDPoPVerificationOptions;
};

/** The checked configuration of a verifier. */
export type VerifierSettings = {
  issuer: string;
  jwksUri: URL;
  audience: string;
  requiredScopes: string[];
  clockTolerance: number;
  algorithms: string[];
  fetch: typeof fetch | undefined;
  dpop: { algorithms: string[]; maxProofAge: number; replayCacheSize: number };
};

const DEFAULT_CLOCK_TOLERANCE = 30;
const DEFAULT_MAX_PROOF_AGE = 60;
const DEFAULT_REPLAY_CACHE_SIZE = 100_000;
const LOOPBACK_HOSTS = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

function fail(field: string, problem: string): never {
  throw new TypeError(`createM2MTokenVerifier: ${field} ${problem}`);
}

/** Checks the options and fills in the defaults; throws a TypeError naming the field. */
export function resolveVerifierSettings(options: M2MTokenVerifierOptions): VerifierSettings {
  if (typeof options !== 'object' || options === null) fail('options', 'must be an object');
  const insecure = options.allowInsecureHttp === true;
  if (options.url === undefined && options.issuer === undefined) fail('url or issuer', 'is required');
  const url = options.url === undefined ? undefined : checkUrl(options.url, 'url', insecure);
  if (options.issuer !== undefined && (typeof options.issuer !== 'string' || options.issuer === ''))
    fail('issuer', 'must be a non-empty string');
  const issuer = options.issuer ?? (url as string);
  const base = url ?? checkUrl(issuer, 'issuer', insecure);
  if (typeof options.audience !== 'string' || options.audience === '')
    fail('audience', 'must be a non-empty string');
  if (options.fetch !== undefined && typeof options.fetch !== 'function') fail('fetch', 'must be a function');
  const dpop = options.dpop ?? {};
  return {
    issuer,
    jwksUri: new URL(
      options.jwksUri === undefined ? `${base}${JWKS_PATH}` : checkUrl(options.jwksUri, 'jwksUri', insecure),
    ),
    audience: options.audience,
    requiredScopes: checkScopes(options.requiredScopes, 'requiredScopes'),
    clockTolerance: checkNumber(options.clockTolerance, 'clockTolerance', DEFAULT_CLOCK_TOLERANCE),
    algorithms: checkAlgorithms(options.algorithms, 'algorithms'),
    fetch: options.fetch,
    dpop: {
      algorithms: checkAlgorithms(dpop.algorithms, 'dpop.algorithms'),
      maxProofAge: checkNumber(dpop.maxProofAge, 'dpop.maxProofAge', DEFAULT_MAX_PROOF_AGE),
      replayCacheSize: checkCount(dpop.replayCacheSize, 'dpop.replayCacheSize', DEFAULT_REPLAY_CACHE_SIZE),
    },
  };
}

/** An http(s) URL without credentials, query or fragment; https unless loopback. No trailing slash. */
function checkUrl(value: unknown, field: string, insecure: boolean): string {
  if (typeof value !== 'string' || value === '') fail(field, 'must be a non-empty string');
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    fail(field, `is not a valid absolute URL: ${JSON.stringify(value)}`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    fail(field, `must be an https: URL (got ${parsed.protocol})`);
  if (parsed.username || parsed.password) fail(field, 'must not contain credentials');
  if (parsed.hash) fail(field, 'must not contain a fragment');
  if (parsed.protocol === 'http:' && !LOOPBACK_HOSTS.test(parsed.hostname) && !insecure)
    fail(field, `must use https: (got ${parsed.origin}); plain http is allowed only for loopback hosts`);
  return field === 'jwksUri' ? parsed.href : parsed.href.replace(/\/+$/, '');
}

/** Every entry must be an asymmetric JWS algorithm; an empty list would accept nothing. */
function checkAlgorithms(value: unknown, field: string): string[] {
  if (value === undefined) return [...ASYMMETRIC_ALGORITHMS];
  if (!Array.isArray(value) || value.length === 0) fail(field, 'must be a non-empty array');
  const allowed = new Set<string>(ASYMMETRIC_ALGORITHMS);
  for (const alg of value) {
    if (!allowed.has(alg))
      fail(
        field,
        `may hold only asymmetric JWS algorithms (${ASYMMETRIC_ALGORITHMS.join(', ')}): got ${JSON.stringify(alg)}`,
      );
  }
  return [...new Set(value as string[])];
}

function checkScopes(value: unknown, field: string): string[] {
  if (value === undefined) return [];
  if (
    !Array.isArray(value) ||
    value.some((scope) => typeof scope !== 'string' || !/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(scope))
  )
    fail(field, 'must be an array of scope tokens (RFC 6749 §3.3)');
  return [...new Set(value as string[])];
}

function checkNumber(value: unknown, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    fail(field, `must be a finite number >= 0 (got ${String(value)})`);
  return value;
}

function checkCount(value: unknown, field: string, fallback: number): number {
  const count = checkNumber(value, field, fallback);
  if (!Number.isInteger(count) || count < 1) fail(field, `must be a whole number >= 1 (got ${count})`);
  return count;
}
