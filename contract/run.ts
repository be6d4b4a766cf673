// `npm run contract -- --server <url>`: checks an authorization server against openapi/passflow-m2m.yaml.
// Token and revocation requests pass through Prism's validating proxy. Credentials come from the environment.
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DEFAULT_SPEC } from '../scripts/prism.mjs';
import { listOption, type ParsedArgs, parseCommandArgs, stringOption, UsageError } from '../src/cli/args.js';
import { CONNECTION_OPTIONS, loadCredentials } from '../src/cli/credentials.js';
import { createScrubber, keepText, type Scrub } from '../src/client/scrub.js';
import { CASES } from './cases/index.js';
import { runCases } from './kit.js';
import { junitReport, textReport } from './report.js';
import { probeServer, SetupError, serverUrl, startProxies } from './setup.js';

const HELP = `Usage: npm run contract -- --server <url> [options]

Runs the contract cases (valid token request, scopes, audience, wrong secret, disallowed scope,
unsupported grant, revocation, jwks) against an authorization server. Token and revocation requests
go through Prism's validating proxy, so every response is also checked against the OpenAPI document.
Each case lists its checks with what was expected, what came, and the document the requirement
comes from. A case that does not apply to the server (no --audience; an opaque token has no
signature to verify) is reported as not applicable.

Exit status: 0 when no case fails, 1 on any deviation, 2 on a usage or setup error (no server,
a server URL without http:// or https://, a server that does not answer, Prism not starting).

Options:
  --server <url>              the server under test                      (PASSFLOW_URL)
  --client-id <id>            a client allowed the client_credentials grant (M2M_CLIENT_ID)
  --client-secret-file <path> file holding its secret  (M2M_CLIENT_SECRET_FILE, or M2M_CLIENT_SECRET)
  --scope <scope>             scopes the client may request; repeatable (M2M_CONTRACT_SCOPES,
                              default "users:read orders:write")
  --disallowed-scope <scope>  a scope the client may not request (M2M_CONTRACT_DISALLOWED_SCOPE,
                              default "admin:all")
  --audience <uri>            audience to request; repeatable (M2M_CONTRACT_AUDIENCE)
  --auth-method post|basic    client authentication (default post)
  --timeout <ms>              per-request timeout (default 10000)
  --spec <file>               the OpenAPI document (default openapi/passflow-m2m.yaml)
  --junit <file>              also write a JUnit XML report there
  -h, --help                  this help

Requests carry a "Prefer" header naming the response the case expects: a Prism mock of the spec
answers with it, a real server ignores it (RFC 7240).`;

const { url: _url, ...CONNECTION } = CONNECTION_OPTIONS;
const OPTIONS = {
  ...CONNECTION,
  server: { type: 'string' },
  scope: { type: 'string', multiple: true },
  'disallowed-scope': { type: 'string' },
  audience: { type: 'string', multiple: true },
  spec: { type: 'string' },
  junit: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function words(value: string | undefined): string[] {
  return value?.split(/\s+/).filter(Boolean) ?? [];
}

async function main(): Promise<number> {
  // Every line of output, server answers quoted in it included, is scrubbed of the secret as a last
  // resort, in every form a server may echo it in: the client's own scrubber.
  let redact: Scrub = keepText;
  const print = (text: string) => {
    process.stdout.write(`${redact(text)}\n`);
  };
  let parsed: ParsedArgs;
  try {
    parsed = parseCommandArgs('contract', process.argv.slice(2), OPTIONS, 0, 'npm run contract -- --help');
    if (parsed.values.get('help') === true) {
      print(HELP);
      return 0;
    }
    const server = serverUrl(stringOption(parsed, 'server'), process.env);
    parsed.values.set('url', server);
    const { credentials, secret: clientSecret } = await loadCredentials(parsed, process.env);
    const authMethod = credentials.authMethod ?? 'client_secret_post';
    if (
      clientSecret === undefined ||
      (authMethod !== 'client_secret_post' && authMethod !== 'client_secret_basic')
    ) {
      // The cases send the secret themselves, and the "wrong secret" case needs one to get wrong.
      throw new UsageError(
        'the contract kit authenticates with a client secret: --auth-method post or basic',
      );
    }
    redact = createScrubber([clientSecret]);
    const scopes = listOption(parsed, 'scope');
    const timeout = Number(stringOption(parsed, 'timeout') ?? 10_000);
    if (!Number.isInteger(timeout) || timeout < 1) {
      throw new UsageError('--timeout must be a whole number of milliseconds');
    }
    const spec = resolve(stringOption(parsed, 'spec') ?? DEFAULT_SPEC);
    await probeServer(server, timeout);
    print(`Contract check of ${server} against ${spec}`);
    const proxies = await startProxies(spec, server);
    try {
      const results = await runCases(
        {
          serverUrl: server,
          strictUrl: proxies.strictUrl,
          laxUrl: proxies.laxUrl,
          clientId: credentials.clientId,
          clientSecret,
          authMethod,
          scopes:
            scopes.length > 0 ? scopes : words(process.env.M2M_CONTRACT_SCOPES ?? 'users:read orders:write'),
          disallowedScope:
            stringOption(parsed, 'disallowed-scope') ??
            process.env.M2M_CONTRACT_DISALLOWED_SCOPE ??
            'admin:all',
          audience: [...listOption(parsed, 'audience'), ...words(process.env.M2M_CONTRACT_AUDIENCE)],
          timeout,
        },
        CASES,
      );
      print(textReport(results));
      const junit = stringOption(parsed, 'junit');
      if (junit) {
        await writeFile(junit, redact(junitReport(results, server)));
        print(`JUnit report: ${junit}`);
      }
      return results.some((r) => r.verdict === 'fail') ? 1 : 0;
    } finally {
      await proxies.stop();
    }
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    const label = error instanceof UsageError ? 'usage' : error instanceof SetupError ? 'setup' : 'error';
    process.stderr.write(`contract: ${label}: ${redact(text).split('\n')[0]}\n`);
    return 2;
  }
}

process.exitCode = await main();
