import { type AuthSettings, checkClientAuth } from './auth-config.js';
import { fail, M2MConfigError, requireString } from './config-error.js';
import { createScrubber } from './scrub.js';
import type {
  M2MCacheError,
  M2MClientConfig,
  M2MTokenCache,
  M2MTokenRequestInfo,
  M2MTokenResponse,
  RetryStrategy,
} from './types.js';

export { M2MConfigError } from './config-error.js';

/** setTimeout's largest delay: Node fires a longer one after 1 ms, so no millisecond option may exceed it. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export const DEFAULTS = {
  autoRefresh: false,
  refreshThreshold: 30,
  timeout: 10_000,
  retries: 3,
  retryDelay: 1000,
} as const;

/**
 * The configuration with defaults applied and every field checked: the one place every other module
 * reads it from. Holds no secret (client authentication keeps it).
 */
export type ResolvedConfig = {
  /** Server URL without a trailing slash */
  baseUrl: string;
  clientId: string;
  scopes: readonly string[];
  audience: readonly string[];
  resource: string | undefined;
  autoRefresh: boolean;
  /** milliseconds */
  refreshThreshold: number;
  timeout: number;
  retries: number;
  retryDelay: number;
  /** Replaces the retry decision and the delay when set. */
  strategy: RetryStrategy | undefined;
  authMethod: AuthSettings['authMethod'];
  assertion: AuthSettings['assertion'];
  /** The user's `M2MTokenCache`, shared between processes. */
  cache: M2MTokenCache | undefined;
  fetch: typeof fetch;
  onTokenRequest: ((request: M2MTokenRequestInfo) => void) | undefined;
  onTokenResponse: ((response: M2MTokenResponse) => void) | undefined;
  onCacheError: ((error: M2MCacheError) => void) | undefined;
};

/** RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ) */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/**
 * Checks `config` and applies the defaults.
 * @throws M2MConfigError naming the field; it never quotes a value that could be the secret, and
 * masks the secret all the same should a value hold it (a secret in the wrong field, as swapped
 * environment variables put it there)
 */
export function resolveConfig(config: M2MClientConfig): ResolvedConfig {
  try {
    return resolve(config);
  } catch (error) {
    if (!(error instanceof M2MConfigError)) throw error;
    const { clientSecret, privateKey } = (config ?? {}) as Partial<M2MClientConfig>;
    const scrub = createScrubber(
      [clientSecret, privateKey].map((v) => (typeof v === 'string' ? v : undefined)),
    );
    const clean = new M2MConfigError(scrub(error.message));
    clean.stack = scrub(error.stack ?? '');
    throw clean;
  }
}

function resolve(config: M2MClientConfig): ResolvedConfig {
  if (typeof config !== 'object' || config === null)
    throw new M2MConfigError('M2MClientConfig must be an object');
  const baseUrl = checkUrl(config.url, config.allowInsecureHttp === true);
  requireString(config.clientId, 'clientId');
  const auth = checkClientAuth(config, baseUrl);
  for (const hook of ['onTokenRequest', 'onTokenResponse', 'onCacheError', 'fetch'] as const) {
    if (config[hook] !== undefined && typeof config[hook] !== 'function') fail(hook, 'must be a function');
  }
  checkRetryStrategy(config);
  checkCache(config);
  if (config.autoRefresh !== undefined && typeof config.autoRefresh !== 'boolean')
    fail('autoRefresh', 'must be a boolean');
  return {
    baseUrl,
    clientId: config.clientId,
    scopes: checkScopes(config.scopes, 'scopes'),
    audience: checkAudience(config.audience, 'audience'),
    resource: checkResource(config.resource, 'resource'),
    autoRefresh: config.autoRefresh ?? DEFAULTS.autoRefresh,
    refreshThreshold:
      1000 * checkNumber(config.refreshThreshold, 'refreshThreshold', DEFAULTS.refreshThreshold, 0),
    timeout: checkMilliseconds(config.timeout, 'timeout', DEFAULTS.timeout, 1),
    retries: checkInteger(config.retries, 'retries', DEFAULTS.retries),
    retryDelay: checkMilliseconds(config.retryDelay, 'retryDelay', DEFAULTS.retryDelay, 0),
    strategy: config.retryStrategy,
    authMethod: auth.authMethod,
    assertion: auth.assertion,
    cache: config.cache,
    fetch: config.fetch ?? globalThis.fetch,
    onTokenRequest: config.onTokenRequest,
    onTokenResponse: config.onTokenResponse,
    onCacheError: config.onCacheError,
  };
}

const LOOPBACK_HOSTS = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

function checkUrl(url: unknown, allowInsecureHttp: boolean): string {
  requireString(url, 'url');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Not echoed: it may hold credentials ("user:secret@host"), or be the secret itself.
    fail('url', 'is not a valid absolute URL (expected https://host[:port][/path])');
  }
  if (parsed.username || parsed.password) fail('url', 'must not contain credentials');
  if (parsed.search || parsed.hash) fail('url', 'must not contain a query or fragment');
  if (parsed.protocol === 'http:' && !LOOPBACK_HOSTS.test(parsed.hostname) && !allowInsecureHttp) {
    fail(
      'url',
      `must use https: (got ${parsed.origin}); plain http is allowed only for loopback hosts, or with allowInsecureHttp: true`,
    );
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') fail('url', 'must be an https: URL');
  return parsed.href.replace(/\/+$/, '');
}

function checkNumber(value: unknown, field: string, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    // A number is shown; anything else only by its type: a string here may be a misplaced secret.
    fail(
      field,
      `must be a finite number >= ${min} (got ${typeof value === 'number' ? value : `a ${typeof value}`})`,
    );
  }
  return value;
}

/** A delay in milliseconds that one timer can wait. */
function checkMilliseconds(value: unknown, field: string, fallback: number, min: number): number {
  const ms = checkNumber(value, field, fallback, min);
  if (ms > MAX_TIMER_MS) fail(field, `must be at most ${MAX_TIMER_MS} ms (about 24.8 days; got ${ms})`);
  return ms;
}

function checkInteger(value: unknown, field: string, fallback: number): number {
  const number = checkNumber(value, field, fallback, 0);
  if (!Number.isInteger(number)) fail(field, `must be a whole number (got ${number})`);
  return number;
}

function checkStringList(
  value: unknown,
  field: string,
  each: (item: string, field: string) => void,
): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) fail(field, 'must be an array of strings');
  value.forEach((item, index) => {
    if (typeof item !== 'string' || item === '') fail(`${field}[${index}]`, 'must be a non-empty string');
    each(item, `${field}[${index}]`);
  });
  return [...new Set(value as string[])].sort();
}

/** A sorted, de-duplicated copy: the user's array is never mutated. */
export function checkScopes(value: unknown, field: string): string[] {
  return checkStringList(value, field, (scope, at) => {
    if (!SCOPE_TOKEN.test(scope))
      fail(
        at,
        'is not a valid scope token (RFC 6749 §3.3: no space, quote, backslash or non-ASCII character)',
      );
  });
}

export function checkAudience(value: unknown, field: string): string[] {
  return checkStringList(value, field, (audience, at) => {
    if (/\s/.test(audience)) fail(at, 'must not contain white space');
  });
}

export function checkResource(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  requireString(value, field);
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    fail(field, 'must be an absolute URI (RFC 8707 §2), such as https://api.example.com');
  }
  if (parsed.hash) fail(field, 'must not contain a fragment (RFC 8707 §2)');
  return value;
}

function checkRetryStrategy(config: M2MClientConfig): void {
  const strategy = config.retryStrategy;
  if (strategy === undefined) return;
  if (typeof strategy?.shouldRetry !== 'function' || typeof strategy.getDelay !== 'function') {
    fail('retryStrategy', 'must have shouldRetry(error, attempt) and getDelay(attempt) functions');
  }
}

function checkCache(config: M2MClientConfig): void {
  const cache = config.cache;
  if (cache === undefined) return;
  for (const method of ['get', 'set', 'delete'] as const) {
    if (typeof cache?.[method] !== 'function') fail('cache', `must implement ${method}()`);
  }
  if (cache.lock !== undefined && typeof cache.lock !== 'function') fail('cache.lock', 'must be a function');
}
