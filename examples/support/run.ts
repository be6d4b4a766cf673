// `npm run examples [-- name ...]`: runs the guide's big examples against Prism and a local API stub.
import { type ExampleName, RUNNABLE, runExample, startExampleEnvironment } from './harness.js';

const asked = process.argv.slice(2);
const unknown = asked.filter((name) => !(RUNNABLE as readonly string[]).includes(name));
if (unknown.length > 0) {
  console.error(`unknown example(s): ${unknown.join(', ')}; runnable: ${RUNNABLE.join(', ')}`);
  process.exit(2);
}
const names = (asked.length > 0 ? asked : RUNNABLE) as readonly ExampleName[];

const environment = await startExampleEnvironment();
let failed = 0;
try {
  console.log(
    `Authorization server (Prism): ${environment.prism.url}; application APIs: ${environment.api.url}; ` +
      `oidc-provider for express-middleware: ${environment.oidc.issuer}; ` +
      `for microservices-dpop: ${environment.dpop.authorizationServer.issuer}, APIs checking proofs ${environment.dpop.api.url}`,
  );
  for (const name of names) {
    const run = await runExample(name, environment.envFor(name));
    if (run.code !== 0) failed++;
    console.log(`\n${run.code === 0 ? 'ok  ' : 'FAIL'} examples/${name}.ts (exit ${run.code})`);
    for (const line of `${run.stdout}${run.stderr}`.trimEnd().split('\n')) console.log(`     ${line}`);
  }
} finally {
  await environment.stop();
}
console.log(`\n${names.length - failed} of ${names.length} examples ran`);
process.exitCode = failed === 0 ? 0 : 1;
