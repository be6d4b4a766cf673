// What the cases work with: the SDK and raw form requests aimed at Prism's validating proxies, the
// answers they got, and the checks they record. `runCases` runs them in order and never throws.
import { type ClientAuthMethod, M2MClient, M2MError, type M2MTokenResponse } from '../src/index.js';
import { type Answer, type CaseResult, Checks, caseVerdict } from './checks.js';
import { answerOf, createRecorder, type Recorder, type Violation, violationsOf } from './exchange.js';

export type KitSettings = {
  /** The server under test, for what is fetched from it directly (RFC 8414 metadata, the JWKS). */
  serverUrl: string;
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
  /** Audiences to request; none: the audience checks do not apply. */
  audience: string[];
  timeout: number;
};

/** What a token request came to: the token, or the answer and what the SDK made of it. */
export type TokenOutcome =
  | { token: M2MTokenResponse; answer: Answer }
  | { token: undefined; answer: Answer; problem: string };

export type Kit = KitSettings & {
  recorder: Recorder;
  /** Violations found outside the recorder (requests sent through the forwarding proxy). */
  extraViolations: Violation[];
  /** A token request through the SDK (the strict proxy), for the scopes and audiences given. */
  token: (request?: {
    scopes?: string[];
    audience?: string[];
    clientSecret?: string;
  }) => Promise<TokenOutcome>;
  /**
   * A form POST with the client's authentication. `lax` sends it through the forwarding proxy, with
   * `prefer` as its Prefer hint (the strict proxy's requests take the recorder's).
   */
  post: (
    path: string,
    fields: Record<string, string>,
    options?: { lax?: boolean; prefer?: string },
  ) => Promise<Answer>;
};

export type Case = { name: string; run: (kit: Kit, checks: Checks) => Promise<void> };

function createKit(settings: KitSettings): Kit {
  const recorder = createRecorder(settings.strictUrl, settings.laxUrl);
  const extraViolations: Violation[] = [];
  const authentication = (fields: Record<string, string>) =>
    settings.authMethod === 'client_secret_basic'
      ? { fields: { ...fields, client_id: settings.clientId }, authorization: basic(settings) }
      : {
          fields: { ...fields, client_id: settings.clientId, client_secret: settings.clientSecret },
          authorization: undefined,
        };
  return {
    ...settings,
    recorder,
    extraViolations,
    token: async (request = {}) => {
      const client = new M2MClient({
        url: settings.strictUrl,
        clientId: settings.clientId,
        clientSecret: request.clientSecret ?? settings.clientSecret,
        authMethod: settings.authMethod,
        retries: 0,
        timeout: settings.timeout,
        fetch: recorder.fetch,
      });
      try {
        const token = await client.getToken({
          ...(request.scopes && { scopes: request.scopes }),
          ...(request.audience && { audience: request.audience }),
        });
        return { token, answer: recorder.last() ?? { status: 200 } };
      } catch (error) {
        if (!(error instanceof M2MError)) throw error;
        const answer = error.status === 0 ? { status: 0, error: error.message } : recorder.last();
        return { token: undefined, answer: answer ?? { status: error.status }, problem: error.message };
      }
    },
    post: async (path, fields, options = {}) => {
      const { fields: form, authorization } = authentication(fields);
      const init = {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
          ...(authorization && { authorization }),
          ...(options.lax && options.prefer && { prefer: options.prefer }),
        },
        body: new URLSearchParams(form).toString(),
        signal: AbortSignal.timeout(settings.timeout),
      };
      if (!options.lax) {
        await recorder.fetch(`${settings.strictUrl}${path}`, init);
        return recorder.last() ?? { status: 0 };
      }
      const response = await fetch(`${settings.laxUrl}${path}`, init);
      // The request breaks the spec on purpose: only what the proxy says of the response counts.
      const violations = await violationsOf(response);
      extraViolations.push(...violations.filter((v) => !v.location.startsWith('request.')));
      return answerOf(response);
    },
  };
}

/** client_secret_basic (RFC 6749 §2.3.1): id and secret form-urlencoded, then base64. */
function basic({ clientId, clientSecret }: KitSettings): string {
  const encode = (value: string) => new URLSearchParams([['', value]]).toString().slice(1);
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(clientSecret)}`).toString('base64')}`;
}

/** Runs every case in order; never throws. */
export async function runCases(settings: KitSettings, cases: Case[]): Promise<CaseResult[]> {
  const kit = createKit(settings);
  const results: CaseResult[] = [];
  for (const { name, run } of cases) {
    const started = performance.now();
    kit.recorder.take();
    kit.recorder.prefer(undefined);
    kit.extraViolations.length = 0;
    const checks = new Checks();
    try {
      await run(kit, checks);
    } catch (error) {
      checks.fail(
        'the case ran to its end',
        'answers the case could read',
        `the kit stopped: ${error instanceof Error ? error.message : String(error)}`,
        'contract kit',
      );
    }
    const violations = [...kit.recorder.take(), ...kit.extraViolations];
    results.push({
      name,
      verdict: caseVerdict(checks.list, violations),
      checks: checks.list,
      violations,
      durationMs: performance.now() - started,
    });
  }
  return results;
}
