#!/usr/bin/env bash
# The built passflow-m2m bin (dist/cli.js, from `npm run build`): a hashbang, executable, and a real
# token | inspect | revoke round trip against a Prism mock of openapi/, run as package.json's bin says.
set -euo pipefail
cd "$(dirname "$0")/../.."

bin=$(node -p 'require("./package.json").bin["passflow-m2m"]')
[ -f "$bin" ] || { echo "missing $bin: run npm run build"; exit 1; }
[ "$(head -n 1 "$bin")" = '#!/usr/bin/env node' ] || { echo "$bin has no #!/usr/bin/env node line"; exit 1; }
[ -x "$bin" ] || { echo "$bin is not executable"; exit 1; }
"$bin" --help | grep -q 'Usage: passflow-m2m <command>'

node --input-type=module - "$bin" <<'JS'
import { execFileSync } from 'node:child_process';
import { startPrism } from './scripts/prism.mjs';

const bin = process.argv[2];
const prism = await startPrism();
try {
  const env = { PATH: process.env.PATH, PASSFLOW_URL: prism.url, M2M_CLIENT_ID: 'your-client-id', M2M_CLIENT_SECRET: 'your-client-secret' };
  const token = execFileSync(bin, ['token', '--scope', 'users:read'], { env, encoding: 'utf8' });
  if (!/^ey[\w-]+\.[\w-]+\.[\w-]+\n$/.test(token)) throw new Error(`token printed ${JSON.stringify(token)}`);
  const claims = execFileSync(bin, ['inspect'], { env, input: token, encoding: 'utf8' });
  if (!/^client_id +your-client-id$/m.test(claims)) throw new Error(`inspect printed ${claims}`);
  execFileSync(bin, ['revoke'], { env, input: token, stdio: ['pipe', 'inherit', 'inherit'] });
  console.log('dist bin: token, inspect and revoke work against the Prism mock');
} finally {
  await prism.stop();
}
JS
