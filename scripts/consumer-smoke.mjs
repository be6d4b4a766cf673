#!/usr/bin/env node
// Consumer smoke test of the package as a fresh clone packs it: `git clone`s this repository's HEAD
// (never built: no dist/), runs `npm pack` there (the prepack script builds), installs the tarball into
// a fresh ESM project and a fresh CommonJS project, type-checks a TypeScript file in each
// (moduleResolution node16), and has each get a token from a Prism mock of openapi/ and load
// @passflow/core/verify. Exits non-zero on any failure; the clone, the temporary projects and Prism are
// always cleaned up.
//   node scripts/consumer-smoke.mjs
// The clone uses this checkout's node_modules (a symlink) instead of a second `npm ci`: what it packs
// comes from the committed files alone, so uncommitted changes are not in it.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { packFreshClone } from './pack-fresh-clone.mjs';
import { startPrism } from './prism.mjs';

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const repoRoot = resolve(import.meta.dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const tsc = require.resolve('typescript/bin/tsc');

/** What both consumers do with the package: the same checks, in their module system's syntax. */
const consumerBody = (label) => `
  const m2m = new M2MClient({
    url: process.env.PASSFLOW_URL,
    clientId: 'smoke-client',
    clientSecret: 'smoke-secret',
    scopes: ['users:read', 'orders:write'],
    retries: 0,
  });
  const token = await m2m.getToken();
  if (token.token_type !== 'Bearer' || !token.access_token || !(token.issued_at > 0)) {
    throw new Error('unexpected token response: ' + JSON.stringify({ ...token, access_token: '...' }));
  }
  if ((await m2m.getToken()) !== token) throw new Error('the second getToken() did not come from the cache');
  const claims = m2m.parseToken(token.access_token);
  if (claims.type !== 'm2m' || !Array.isArray(claims.aud) || !Array.isArray(claims.scopes)) {
    throw new Error('unexpected claims: ' + JSON.stringify(claims));
  }
  const failing = new M2MClient({
    url: process.env.PASSFLOW_URL,
    clientId: 'smoke-client',
    clientSecret: 'smoke-secret',
    fetch: (input, init) => {
      const request = new Request(input, init);
      request.headers.set('prefer', 'code=401');
      return fetch(request);
    },
  });
  const error = await failing.getToken().then(() => undefined, (reason) => reason);
  if (!(error instanceof M2MError) || error.code !== M2MErrorCode.InvalidClient || error.status !== 401) {
    throw new Error('expected an M2MError invalid_client, got ' + String(error));
  }
  // private_key_jwt from the packaged build: a PKCS#8 PEM imported by the bundled jose, an ES256 assertion.
  const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const der = Buffer.from(await crypto.subtle.exportKey('pkcs8', pair.privateKey)).toString('base64');
  const pem = '-----BEGIN PRIVATE KEY-----\\n' + der.match(/.{1,64}/g).join('\\n') + '\\n-----END PRIVATE KEY-----\\n';
  const assertions = [];
  const keyed = new M2MClient({
    url: process.env.PASSFLOW_URL,
    clientId: 'smoke-client',
    authMethod: 'private_key_jwt',
    privateKey: pem,
    retries: 0,
    fetch: async (input, init) => {
      const request = new Request(input, init);
      assertions.push(new URLSearchParams(await request.clone().text()).get('client_assertion'));
      return fetch(request);
    },
  });
  await keyed.getToken();
  const header = JSON.parse(Buffer.from(String(assertions[0]).split('.')[0], 'base64url').toString());
  if (assertions.length !== 1 || header.alg !== 'ES256') {
    throw new Error('expected one ES256 client assertion, got ' + JSON.stringify(header));
  }
  // @passflow/core/verify loads too: Prism's example token is HS256, which a verifier never accepts.
  const verifier = createM2MTokenVerifier({ url: process.env.PASSFLOW_URL, audience: 'https://api.yourapp.com' });
  const refused = await verifier.verify(token.access_token).then(() => undefined, (reason) => reason);
  if (!(refused instanceof M2MTokenVerificationError) || refused.code !== 'invalid_token' || refused.status !== 401) {
    throw new Error('expected an M2MTokenVerificationError invalid_token, got ' + String(refused));
  }
  console.log('${label}: token ' + token.access_token.slice(0, 12) + '... expires_in=' + token.expires_in +
    ' type=' + claims.type + ' tenant=' + claims.tenant_id + ' scopes=' + claims.scopes.join(','));
`;

/** The OpenAPI document, resolved through the package's `exports` as a spec-first consumer does. */
const specExport = `
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
const specPath = createRequire(import.meta.url).resolve('@passflow/core/openapi/passflow-m2m.yaml');
if (!readFileSync(specPath, 'utf8').startsWith('openapi: 3.1')) throw new Error('unexpected document at ' + specPath);
`;

/** Compiles against the installed package's declarations only: nothing from this repo's sources. */
const typeCheck = `
const m2m = new M2MClient({ url: 'http://127.0.0.1:4010', clientId: 'id', clientSecret: 'secret', scopes: ['a:b'] });
export async function bearer(): Promise<string> {
  const token: M2MTokenResponse = await m2m.getToken({ forceRefresh: false });
  const claims: M2MTokenClaims = m2m.parseToken(token.access_token);
  const code: M2MErrorCode | undefined = claims.type === 'm2m' ? undefined : M2MErrorCode.InvalidGrant;
  if (code) throw new M2MError({ code, status: 0, message: 'not an M2M token' });
  return \`Bearer \${token.access_token}\`;
}
const verifier = createM2MTokenVerifier({ url: 'https://auth.yourapp.com', audience: 'https://api.yourapp.com' });
export const guard: M2MMiddleware = requireM2MToken(verifier, { scopes: ['a:b'] });
export async function check(token: string): Promise<VerifiedM2MTokenClaims | number> {
  try {
    return await verifier.verify(token, { scopes: ['a:b'] });
  } catch (error) {
    if (error instanceof M2MTokenVerificationError) return error.status;
    throw error;
  }
}
`;
const typeImports = 'M2MClient, M2MError, M2MErrorCode, type M2MTokenClaims, type M2MTokenResponse';
const verifyImports =
  'createM2MTokenVerifier, type M2MMiddleware, M2MTokenVerificationError, requireM2MToken, type VerifiedM2MTokenClaims';

const tsconfig = (files) =>
  JSON.stringify({
    compilerOptions: {
      module: 'node16',
      moduleResolution: 'node16',
      target: 'ES2022',
      lib: ['ES2022', 'DOM'],
      strict: true,
      noEmit: true,
      skipLibCheck: false,
      types: [],
    },
    files,
  });

const consumers = [
  {
    name: 'esm-consumer',
    packageJson: { name: 'esm-consumer', private: true, type: 'module' },
    files: {
      'index.js': `import { M2MClient, M2MError, M2MErrorCode } from '@passflow/core';\nimport { createM2MTokenVerifier, M2MTokenVerificationError } from '@passflow/core/verify';\n${specExport}\n${consumerBody('esm')}`,
      'check.ts': `import { ${typeImports} } from '@passflow/core';\nimport { ${verifyImports} } from '@passflow/core/verify';\n${typeCheck}`,
      'tsconfig.json': tsconfig(['check.ts']),
    },
    main: 'index.js',
  },
  {
    name: 'cjs-consumer',
    packageJson: { name: 'cjs-consumer', private: true, type: 'commonjs' },
    files: {
      'index.js': `const { M2MClient, M2MError, M2MErrorCode } = require('@passflow/core');\nconst { createM2MTokenVerifier, M2MTokenVerificationError } = require('@passflow/core/verify');\n(async () => {${consumerBody('cjs')}})().catch((error) => {\n  console.error(error);\n  process.exitCode = 1;\n});\n`,
      'check.cts': `import { ${typeImports} } from '@passflow/core';\nimport { ${verifyImports} } from '@passflow/core/verify';\n${typeCheck}`,
      'tsconfig.json': tsconfig(['check.cts']),
    },
    main: 'index.js',
  },
];

/** The command running now, so that an interrupt can stop it too. */
let runningCommand;

async function exec(command, args, cwd, env = process.env) {
  const pending = run(command, args, { cwd, env, maxBuffer: 16 * 1024 * 1024 });
  runningCommand = pending.child;
  try {
    return (await pending).stdout;
  } catch (error) {
    throw new Error(
      `${command} ${args.join(' ')} failed in ${cwd}:\n${error.stdout ?? ''}${error.stderr ?? ''}`,
    );
  } finally {
    runningCommand = undefined;
  }
}

async function main(workDir, prismRef) {
  const tarball = await packFreshClone(repoRoot, workDir, exec);

  for (const consumer of consumers) {
    const dir = join(workDir, consumer.name);
    await mkdir(dir);
    await writeFile(join(dir, 'package.json'), JSON.stringify(consumer.packageJson, null, 2));
    for (const [file, text] of Object.entries(consumer.files)) await writeFile(join(dir, file), text);
    await exec(npm, ['install', tarball, '--no-audit', '--no-fund', '--loglevel=error'], dir);
    await exec(process.execPath, [tsc, '-p', 'tsconfig.json'], dir);
    console.log(`${consumer.name}: types resolve (moduleResolution node16)`);
  }

  const prism = await startPrism();
  prismRef.current = prism;
  for (const consumer of consumers) {
    const dir = join(workDir, consumer.name);
    const output = await exec(process.execPath, [consumer.main], dir, {
      ...process.env,
      PASSFLOW_URL: prism.url,
    });
    process.stdout.write(output);
  }
}

const workDir = await mkdtemp(join(tmpdir(), 'passflow-consumers-'));
const prismRef = { current: undefined };
const cleanUp = async () => {
  await prismRef.current?.stop();
  await rm(workDir, { recursive: true, force: true });
};
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    runningCommand?.kill(signal);
    cleanUp().finally(() => process.exit(1));
  });
}
try {
  await main(workDir, prismRef);
  console.log('consumer smoke test passed: ESM and CommonJS');
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
} finally {
  await cleanUp();
}
