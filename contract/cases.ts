// The contract cases a Passflow-compatible server must pass, each run through Prism's validating
// proxy so that, besides the expectations below, every request and response is checked against the spec.

import { revokeToken } from '../src/cli/revoke.js';
import { clientAuthentication } from '../src/client/client-auth.js';
import { formBody } from '../src/client/transport.js';
import { type ClientAuthMethod, M2MClient, M2MError, type M2MTokenResponse } from '../src/index.js';
import { createRecorder, type Violation, violationsOf } from './exchange.js';

export type KitSettings = {
  /** Prism proxy with --errors: a spec violation becomes a problem+json answer. */
  strictUrl: string;
  /** Prism proxy without --errors: forwards a request that breaks the spec on purpose, reports in sl-violations. */
  laxUrl: string;
  clientId: string;
  clientSecret: string;
  authMethod: ClientAuthMethod;
  /** Scopes the client may request. */
  scopes: string[];
  /** A scope the client may not request. */
  disallowedScope: string;
  audience: string[];
  timeout: number;
};

export type CaseResult = {
  name: string;
  passed: boolean;
  /** What was observed, one line. */
  summary: string;
  /** Expectations that failed. */
  problems: string[];
  /** What the spec validation reported. */
  violations: Violation[];
  durationMs: number;
};

/** A deviation from the expected behaviour, found by a case. */
class Deviation extends Error {}

const UNSUPPORTED_GRANT = 'urn:passflow:params:grant-type:contract-test-unsupported';

type Case = { name: string; run: (kit: Kit) => Promise<string> };

type Kit = KitSettings & {
  recorder: ReturnType<typeof createRecorder>;
  /** Violations a case found outside the recorder (the unsupported grant's own request). */
  extraViolations: Violation[];
  client: (overrides?: { clientSecret?: string }) => M2MClient;
  expectRejection: (
    attempt: Promise<unknown>,
    status: number,
    code: string,
    what: string,
  ) => Promise<M2MError>;
};

export const CASES: Case[] = [
  {
    name: 'valid token request',
    run: async (kit) => {
      kit.recorder.prefer(undefined);
      const token = await kit.client().getToken();
      const cacheControl = kit.recorder.last()?.headers.get('cache-control') ?? '';
      if (!/\bno-store\b/i.test(cacheControl)) {
        throw new Deviation(`Cache-Control must be no-store (RFC 6749 §5.1), got "${cacheControl}"`);
      }
      return `HTTP 200, Bearer, expires_in ${token.expires_in} s, ${describeJwt(kit, token)}`;
    },
  },
  {
    name: 'scopes',
    run: async (kit) => {
      kit.recorder.prefer(undefined);
      const token = await kit.client().getToken({ scopes: kit.scopes, audience: kit.audience });
      const requested = new Set(kit.scopes);
      const granted = token.scope?.split(' ').filter(Boolean) ?? kit.scopes;
      const extra = granted.filter((scope) => !requested.has(scope));
      if (extra.length > 0) {
        throw new Deviation(`granted scopes beyond the requested ones: ${extra.join(' ')} (RFC 6749 §3.3)`);
      }
      const claims = kit.client().parseToken(token.access_token);
      const extraClaimed = claims.scopes.filter((scope) => !requested.has(scope));
      if (extraClaimed.length > 0) {
        throw new Deviation(`the token's scopes claim holds unrequested scopes: ${extraClaimed.join(' ')}`);
      }
      return `requested "${kit.scopes.join(' ')}", granted "${granted.join(' ')}"`;
    },
  },
  {
    name: 'wrong secret',
    run: async (kit) => {
      kit.recorder.prefer('code=401');
      // The secret itself is never shown: only that a wrong one was rejected.
      const client = kit.client({ clientSecret: `${kit.clientSecret}-wrong` });
      await kit.expectRejection(client.getToken(), 401, 'invalid_client', 'a wrong client secret');
      if (kit.authMethod === 'client_secret_basic' && !kit.recorder.last()?.headers.has('www-authenticate')) {
        throw new Deviation('a 401 to HTTP Basic must carry WWW-Authenticate (RFC 6749 §5.2)');
      }
      return 'HTTP 401 invalid_client';
    },
  },
  {
    name: 'disallowed scope',
    run: async (kit) => {
      kit.recorder.prefer('code=400, example=invalidScope');
      const attempt = kit.client().getToken({ scopes: [kit.disallowedScope] });
      await kit.expectRejection(attempt, 400, 'invalid_scope', `the scope "${kit.disallowedScope}"`);
      return `"${kit.disallowedScope}": HTTP 400 invalid_scope`;
    },
  },
  {
    name: 'unsupported grant',
    run: async (kit) => {
      // This request breaks the spec on purpose (grant_type is const), so it goes through the proxy
      // that forwards it; the proxy still validates the response.
      const credentials = { url: kit.laxUrl, clientId: kit.clientId, clientSecret: kit.clientSecret };
      const request = {
        url: `${kit.laxUrl}/oauth2/token`,
        form: { grant_type: UNSUPPORTED_GRANT },
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
          prefer: 'code=400, example=unsupportedGrantType',
        },
      };
      await clientAuthentication(credentials, kit.authMethod).authenticate(request);
      const response = await fetch(request.url, {
        method: 'POST',
        headers: request.headers,
        body: formBody(request.form),
        signal: AbortSignal.timeout(kit.timeout),
      });
      const violations = (await violationsOf(response)).filter((v) => !v.location.startsWith('request.'));
      kit.extraViolations.push(...violations);
      const body = await response.text();
      let error: unknown;
      try {
        error = (JSON.parse(body) as { error?: unknown }).error;
      } catch {
        error = undefined;
      }
      if (response.status !== 400 || error !== 'unsupported_grant_type') {
        throw new Deviation(
          `expected HTTP 400 unsupported_grant_type (RFC 6749 §5.2), got HTTP ${response.status}${
            typeof error === 'string' ? ` ${error}` : response.ok ? ' (the grant was accepted)' : ''
          }`,
        );
      }
      return 'HTTP 400 unsupported_grant_type';
    },
  },
  {
    name: 'revocation',
    run: async (kit) => {
      kit.recorder.prefer(undefined);
      const client = kit.client();
      const token = await client.getToken();
      await client.revokeToken();
      if (client.getCachedToken() !== null) throw new Deviation('the client kept the revoked token');
      // RFC 7009 §2.2: a token that is already revoked, or unknown, is answered with 200 as well.
      const config = {
        url: kit.strictUrl,
        clientId: kit.clientId,
        clientSecret: kit.clientSecret,
        authMethod: kit.authMethod,
        retries: 0,
        timeout: kit.timeout,
        fetch: kit.recorder.fetch,
      };
      await revokeToken(config, token.access_token).catch((error: unknown) => {
        throw new Deviation(`revoking the same token again must succeed (RFC 7009 §2.2): ${message(error)}`);
      });
      await revokeToken(config, 'contract-test-unknown-token').catch((error: unknown) => {
        throw new Deviation(`revoking an unknown token must succeed (RFC 7009 §2.2): ${message(error)}`);
      });
      return 'HTTP 200; again and for an unknown token: HTTP 200 (RFC 7009 §2.2)';
    },
  },
];

function describeJwt(kit: Kit, token: M2MTokenResponse): string {
  let claims: ReturnType<M2MClient['parseToken']>;
  try {
    claims = kit.client().parseToken(token.access_token);
  } catch (error) {
    throw new Deviation(`the access token is not a JWT: ${message(error)}`);
  }
  if (claims.client_id !== kit.clientId) {
    throw new Deviation(`the token's client_id is "${claims.client_id}", expected "${kit.clientId}"`);
  }
  if (!(claims.exp > claims.iat)) throw new Deviation(`the token's exp (${claims.exp}) is not after iat`);
  return `JWT for ${claims.client_id}`;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Runs every case in order; never throws. */
export async function runCases(settings: KitSettings, cases: Case[] = CASES): Promise<CaseResult[]> {
  const recorder = createRecorder(settings.strictUrl, settings.laxUrl);
  const kit: Kit = {
    ...settings,
    recorder,
    extraViolations: [],
    client: (overrides = {}) =>
      new M2MClient({
        url: settings.strictUrl,
        clientId: settings.clientId,
        clientSecret: overrides.clientSecret ?? settings.clientSecret,
        authMethod: settings.authMethod,
        retries: 0,
        timeout: settings.timeout,
        fetch: recorder.fetch,
      }),
    expectRejection: async (attempt, status, code, what) => {
      let error: unknown;
      try {
        await attempt;
      } catch (caught) {
        error = caught;
      }
      if (error === undefined) throw new Deviation(`${what} was accepted: expected HTTP ${status} ${code}`);
      if (!(error instanceof M2MError)) throw error;
      if (error.status >= 200 && error.status < 300) {
        throw new Deviation(
          `${what} was accepted (HTTP ${error.status}): expected HTTP ${status} ${code}; the client then failed with: ${error.message}`,
        );
      }
      if (error.status !== status || error.code !== code) {
        throw new Deviation(
          `expected HTTP ${status} ${code}, got HTTP ${error.status} ${error.code}: ${error.message}`,
        );
      }
      return error;
    },
  };
  const results: CaseResult[] = [];
  for (const { name, run } of cases) {
    const started = performance.now();
    recorder.take();
    kit.extraViolations.length = 0;
    let summary = '';
    const problems: string[] = [];
    try {
      summary = await run(kit);
    } catch (error) {
      problems.push(
        error instanceof Deviation || error instanceof M2MError
          ? error.message
          : `kit error: ${message(error)}`,
      );
    }
    const violations = [...recorder.take(), ...kit.extraViolations];
    results.push({
      name,
      passed: problems.length === 0 && violations.length === 0,
      summary,
      problems,
      violations,
      durationMs: performance.now() - started,
    });
  }
  return results;
}
