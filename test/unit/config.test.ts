// Configuration checks in the constructor: https except loopback, and an error naming every bad field.
import { describe, expect, it } from 'vitest';
import { M2MClient, type M2MClientConfig, M2MConfigError } from '../../src/index.js';

const SECRET = 'unit-secret-value';
const valid: M2MClientConfig = { url: 'https://auth.example.test', clientId: 'svc', clientSecret: SECRET };

function configError(config: unknown): M2MConfigError {
  try {
    new M2MClient(config as M2MClientConfig);
  } catch (error) {
    expect(error).toBeInstanceOf(M2MConfigError);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).not.toContain(SECRET);
    return error as M2MConfigError;
  }
  throw new Error('the constructor accepted the configuration');
}

describe('transport security', () => {
  it.each([
    'https://auth.example.test',
    'https://auth.example.test/',
    'https://auth.example.test/tenant/a',
    'http://localhost:8080',
    'http://LOCALHOST',
    'http://127.0.0.1:3000',
    'http://127.45.6.7',
    'http://[::1]:4010',
  ])('accepts %s', (url) => {
    expect(() => new M2MClient({ ...valid, url })).not.toThrow();
  });

  it.each([
    'http://auth.example.test',
    'http://10.0.0.1',
    'http://128.0.0.1',
    'http://localhost.example.test',
    'http://127.0.0.1.example.test',
    'http://[::2]',
  ])('refuses plain http to %s, naming url and the way out', (url) => {
    const error = configError({ ...valid, url });
    expect(error.message).toContain('M2MClientConfig.url');
    expect(error.message).toContain('https');
    expect(error.message).toContain('allowInsecureHttp');
  });

  it('allows plain http anywhere with allowInsecureHttp: true', () => {
    expect(
      () => new M2MClient({ ...valid, url: 'http://auth.internal', allowInsecureHttp: true }),
    ).not.toThrow();
  });

  it.each([
    ['ftp://auth.example.test', 'must be an https: URL'],
    ['auth.example.test', 'not a valid absolute URL'],
    ['https://user:pw@auth.example.test', 'credentials'],
    ['https://auth.example.test/?tenant=a', 'query'],
    ['https://auth.example.test/#x', 'fragment'],
  ])('refuses %s', (url, problem) => {
    const error = configError({ ...valid, url });
    expect(error.message).toContain('M2MClientConfig.url');
    expect(error.message).toContain(problem);
  });

  it('never repeats URL credentials in the message', () => {
    const error = configError({ ...valid, url: `https://svc:${SECRET}@auth.example.test` });
    expect(error.message).not.toContain(SECRET);
  });
});

describe('every bad field fails in the constructor, naming it', () => {
  const noop = () => undefined;
  const cache = { get: async () => null, set: async () => undefined, delete: async () => undefined };
  it.each<[string, Partial<Record<keyof M2MClientConfig, unknown>>, string]>([
    ['url missing', { url: undefined }, 'url'],
    ['url not a string', { url: 42 }, 'url'],
    ['url empty', { url: '' }, 'url'],
    ['clientId missing', { clientId: undefined }, 'clientId'],
    ['clientId blank', { clientId: '  ' }, 'clientId'],
    ['clientSecret missing', { clientSecret: undefined }, 'clientSecret'],
    ['clientSecret not a string', { clientSecret: 12345 }, 'clientSecret'],
    ['scopes not an array', { scopes: 'a b' }, 'scopes'],
    ['a scope not a string', { scopes: ['a', 7] }, 'scopes[1]'],
    ['an empty scope', { scopes: [''] }, 'scopes[0]'],
    ['a scope with a space', { scopes: ['a b'] }, 'scopes[0]'],
    ['a scope with a quote', { scopes: ['a"b'] }, 'scopes[0]'],
    ['audience not an array', { audience: 'https://api.test' }, 'audience'],
    ['an audience with white space', { audience: ['https://a.test', 'x y'] }, 'audience[1]'],
    ['resource not a URI', { resource: 'orders' }, 'resource'],
    ['resource with a fragment', { resource: 'https://api.test/#x' }, 'resource'],
    ['autoRefresh not a boolean', { autoRefresh: 'yes' }, 'autoRefresh'],
    ['refreshThreshold negative', { refreshThreshold: -1 }, 'refreshThreshold'],
    ['refreshThreshold NaN', { refreshThreshold: Number.NaN }, 'refreshThreshold'],
    ['refreshThreshold a string', { refreshThreshold: '30' }, 'refreshThreshold'],
    ['timeout zero', { timeout: 0 }, 'timeout'],
    ['timeout infinite', { timeout: Number.POSITIVE_INFINITY }, 'timeout'],
    ['retries negative', { retries: -1 }, 'retries'],
    ['retries fractional', { retries: 1.5 }, 'retries'],
    ['retries a string', { retries: '3' }, 'retries'],
    ['retryDelay negative', { retryDelay: -5 }, 'retryDelay'],
    ['retryStrategy without getDelay', { retryStrategy: { shouldRetry: () => true } }, 'retryStrategy'],
    ['retryStrategy null', { retryStrategy: null }, 'retryStrategy'],
    ['cache without delete', { cache: { get: cache.get, set: cache.set } }, 'cache'],
    ['cache.lock not a function', { cache: { ...cache, lock: true } }, 'cache.lock'],
    ['authMethod unknown', { authMethod: 'tls_client_auth' }, 'authMethod'],
    ['onTokenRequest not a function', { onTokenRequest: 'log' }, 'onTokenRequest'],
    ['onTokenResponse not a function', { onTokenResponse: {} }, 'onTokenResponse'],
    ['onCacheError not a function', { onCacheError: 1 }, 'onCacheError'],
    ['fetch not a function', { fetch: 'fetch' }, 'fetch'],
  ])('%s', (_label, override, field) => {
    const error = configError({ ...valid, ...override });
    expect(error.message).toContain(`M2MClientConfig.${field} `);
  });

  it('a config that is not an object', () => {
    expect(configError(null).message).toContain('M2MClientConfig');
    expect(configError('https://auth.example.test').message).toContain('M2MClientConfig');
  });

  it('accepts every documented option with its documented type', () => {
    const m2m = new M2MClient({
      ...valid,
      scopes: ['users:read', 'orders:write'],
      audience: ['https://api.yourapp.com'],
      autoRefresh: true,
      refreshThreshold: 60,
      timeout: 10000,
      retries: 3,
      retryDelay: 1000,
      retryStrategy: { shouldRetry: () => false, getDelay: () => 0 },
      cache,
      onTokenRequest: noop,
      onTokenResponse: noop,
      authMethod: 'client_secret_basic',
      resource: 'https://api.yourapp.com/orders',
    });
    expect(m2m.getCachedToken()).toBeNull();
  });
});
