// The client secret never shows: not in errors (message, stack, JSON, util.inspect, causes), hook
// payloads, cache keys, or util.inspect(client). Checked for both authentication methods.
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { ClientAuthMethod, M2MClient, M2MTokenCache, M2MTokenResponse } from '../../src/index.js';
import { type Step, startTokenServer } from '../support/token-server.js';
import { rejectionOf, useTokenServer } from './fixtures.js';

const t = useTokenServer();

const SECRET = 'S3cr3t:+/% é-never-shown';
/** Every form the secret takes on the wire: in clear, form-encoded, and inside the Basic credentials. */
const SECRET_FORMS = [
  SECRET,
  new URLSearchParams([['', SECRET]]).toString().slice(1),
  encodeURIComponent(SECRET),
  Buffer.from(`svc:${new URLSearchParams([['', SECRET]]).toString().slice(1)}`).toString('base64'),
  'S3cr3t',
];
const METHODS: ClientAuthMethod[] = ['client_secret_post', 'client_secret_basic'];

function expectNoSecret(value: unknown): void {
  const views =
    typeof value === 'string'
      ? [value]
      : [
          inspect(value, { depth: Number.POSITIVE_INFINITY, showHidden: true, getters: true }),
          safeJson(value),
        ];
  if (value instanceof Error) {
    for (let at: unknown = value; at instanceof Error; at = at.cause) views.push(at.message, at.stack ?? '');
  }
  for (const view of views) for (const form of SECRET_FORMS) expect(view).not.toContain(form);
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '';
  }
}

describe.each(METHODS)('with %s', (authMethod) => {
  const client = (extra: Parameters<typeof t.client>[0] = {}) =>
    t.client({ clientSecret: SECRET, authMethod, retries: 0, ...extra });

  it.each<[string, Step]>([
    ['401 invalid_client', { status: 401, body: { error: 'invalid_client' } }],
    ['400 invalid_request', { status: 400, body: { error: 'invalid_request' } }],
    ['500 HTML page', { status: 500, headers: { 'content-type': 'text/html' }, body: '<h1>oops</h1>' }],
    ['429 with Retry-After', { status: 429, headers: { 'retry-after': '1' } }],
    ['200 malformed', { body: { token_type: 'Bearer' } }],
    ['200 not JSON', { body: '{"access_token":' }],
    ['a reset', { reset: true }],
  ])('errors carry no secret: %s', async (_label, step) => {
    t.server.enqueue(step);
    const error = await rejectionOf(client().getToken());
    expectNoSecret(error);
  });

  it('a timeout error carries no secret', async () => {
    t.server.enqueue({ hang: true });
    expectNoSecret(await rejectionOf(client({ timeout: 30 }).getToken()));
  });

  it('a network error carries no secret', async () => {
    const gone = await startTokenServer();
    await gone.close();
    expectNoSecret(await rejectionOf(client({ url: gone.url }).getToken()));
  });

  it('an aborted caller’s error carries no secret', async () => {
    t.server.enqueue({ delayMs: 50 });
    expectNoSecret(await rejectionOf(client().getToken({ signal: AbortSignal.abort() })));
  });

  it('a revocation error carries no secret', async () => {
    const m2m = client();
    await m2m.getToken();
    t.server.enqueue({ status: 401, body: { error: 'invalid_client' } });
    expectNoSecret(await rejectionOf(m2m.revokeToken()));
  });

  it('hook payloads carry no secret', async () => {
    const payloads: unknown[] = [];
    t.server.enqueue({ status: 500 });
    const m2m = client({
      retries: 1,
      onTokenRequest: (info) => payloads.push(info),
      onTokenResponse: (response) => payloads.push(response),
    });
    await m2m.getToken();
    expect(payloads).toHaveLength(3);
    for (const payload of payloads) expectNoSecret(payload);
  });

  it('cache keys carry no secret, and a rotated secret uses another key', async () => {
    const keys: string[] = [];
    const store = new Map<string, M2MTokenResponse>();
    const cache: M2MTokenCache = {
      get: async (key) => {
        keys.push(key);
        return store.get(key) ?? null;
      },
      set: async (key, token) => {
        keys.push(key);
        store.set(key, token);
      },
      delete: async (key) => {
        keys.push(key);
        store.delete(key);
      },
    };
    const m2m = client({ cache });
    await m2m.getToken();
    m2m.clearCache();
    await client({ cache, clientSecret: `${SECRET}-rotated` }).getToken();
    expect(keys.length).toBeGreaterThanOrEqual(4);
    for (const key of keys) expectNoSecret(key);
    expect(new Set(keys).size).toBe(2);
  });

  it('util.inspect, JSON and the keys of the client show no secret', async () => {
    const m2m: M2MClient = client();
    await m2m.getToken();
    expectNoSecret(m2m);
    expectNoSecret(Object.keys(m2m).join(','));
    expectNoSecret(inspect(Object.getOwnPropertyDescriptors(m2m), { depth: 10, showHidden: true }));
  });
});
