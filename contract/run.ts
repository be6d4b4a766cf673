// `npm run contract -- --server <url>`: checks an authorization server against openapi/passflow-m2m.yaml.
// Every request and response passes through Prism's validating proxy. Credentials come from the environment.
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DEFAULT_SPEC, startPrism } from '../scripts/prism.mjs';
import { listOption, type ParsedArgs, parseCommandArgs, stringOption, UsageError } from '../src/cli/args.js';
import { CONNECTION_OPTIONS, loadCredentials } from '../src/cli/credentials.js';
import { runCases } from './cases.js';
import { junitReport, textReport } from './report.js';

const HELP = `Usage: npm run contract -- --server <url> [options]

Runs the contract cases (valid token request, scopes, wrong secret, disallowed scope, unsupported
grant, revocation) against an authorization server, through Prism's validating proxy: every request
and response is checked against the OpenAPI document. Exit status 0 when every case passes, 1 on any
deviation, 2 on a usage or setup error.

Options:
  --server <url>              the server under test                      (PASSFLOW_URL)
  --client-id <id>            a client allowed the client_credentials grant (M2M_CLIENT_ID)
  --client-secret-file <path> file holding its secret  (M2M_CLIENT_SECRET_FILE, or M2M_CLIENT_SECRET)
  --scope <scope>             scopes the client may request; repeatable (M2M_CONTRACT_SCOPES,
                              default "users:read orders:write")
  --disallowed-scope <scope>  a scope the client may not request (M2M_CONTRACT_DISALLOWED_SCOPE,
                              default "admin:all")
  --audience <uri>            audience to request in the scopes case; repeatable (M2M_CONTRACT_AUDIENCE)
  --auth-method <method>      post (default), basic or client-secret-jwt
  --timeout <ms>              per-request timeout (default 10000)
  --spec <file>               the OpenAPI document (default openapi/passflow-m2m.yaml)
  --junit <file>              also write a JUnit XML report there
  -h, --help                  this help

Requests carry a "Prefer" header naming the response the case expects: a Prism mock of the spec
answers with it, a real server ignores it (RFC 7240).`;

const OPTIONS = {
  ...CONNECTION_OPTIONS,
  server: { type: 'string' },
  scope: { type: 'string', multiple: true },
  'disallowed-scope': { type: 'string' },
  audience: { type: 'string', multiple: true },
  spec: { type: 'string' },
  junit: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Output is scrubbed of the secret as a last resort; a very short one would garble every line instead. */
const MIN_REDACTED = 8;

function words(value: string | undefined): string[] {
  return value?.split(/\s+/).filter(Boolean) ?? [];
}

async function main(): Promise<number> {
  let secret: string | undefined;
  const redact = (text: string) =>
    secret && secret.length >= MIN_REDACTED ? text.split(secret).join('[redacted]') : text;
  const print = (text: string) => {
    process.stdout.write(`${redact(text)}\n`);
  };
  let parsed: ParsedArgs;
  try {
    parsed = parseCommandArgs('contract', process.argv.slice(2), OPTIONS, 0);
    if (parsed.values.get('help') === true) {
      print(HELP);
      return 0;
    }
    const server = stringOption(parsed, 'server');
    if (server) parsed.values.set('url', server);
    const { credentials, secret: clientSecret } = await loadCredentials(parsed, process.env);
    if (clientSecret === undefined) {
      // Its "wrong secret" case needs a secret to get wrong.
      throw new UsageError(
        'the contract kit authenticates with a client secret: --auth-method post, basic or client-secret-jwt',
      );
    }
    secret = clientSecret;
    const scopes = listOption(parsed, 'scope');
    const settings = {
      clientId: credentials.clientId,
      clientSecret: secret,
      authMethod: credentials.authMethod ?? 'client_secret_post',
      scopes:
        scopes.length > 0 ? scopes : words(process.env.M2M_CONTRACT_SCOPES ?? 'users:read orders:write'),
      disallowedScope:
        stringOption(parsed, 'disallowed-scope') ?? process.env.M2M_CONTRACT_DISALLOWED_SCOPE ?? 'admin:all',
      audience: [...listOption(parsed, 'audience'), ...words(process.env.M2M_CONTRACT_AUDIENCE)],
      timeout: Number(stringOption(parsed, 'timeout') ?? 10_000),
    };
    if (!Number.isInteger(settings.timeout) || settings.timeout < 1) {
      throw new UsageError('--timeout must be a whole number of milliseconds');
    }
    const spec = resolve(stringOption(parsed, 'spec') ?? DEFAULT_SPEC);
    const upstream = credentials.url.replace(/\/+$/, '');
    print(`Contract check of ${upstream} against ${spec}, through Prism's validating proxy`);

    const proxies = await Promise.allSettled([
      startPrism({ spec, upstream, errors: true }),
      startPrism({ spec, upstream, errors: false }),
    ]);
    try {
      const [strict, lax] = proxies.map((p) => {
        if (p.status === 'rejected') throw p.reason;
        return p.value;
      });
      if (!strict || !lax) throw new Error('Prism did not start');
      const results = await runCases({ ...settings, strictUrl: strict.url, laxUrl: lax.url });
      print(textReport(results));
      const junit = stringOption(parsed, 'junit');
      if (junit) {
        await writeFile(junit, redact(junitReport(results, upstream)));
        print(`JUnit report: ${junit}`);
      }
      return results.every((r) => r.passed) ? 0 : 1;
    } finally {
      await Promise.all(proxies.map((p) => (p.status === 'fulfilled' ? p.value.stop() : undefined)));
    }
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    process.stderr.write(`contract: ${error instanceof UsageError ? 'usage' : 'error'}: ${redact(text)}\n`);
    return 2;
  }
}

process.exitCode = await main();
