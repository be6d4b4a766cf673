// Starts Prism from the OpenAPI document on a free loopback port and stops it by PID.
// Used by the test setup, the demo and the contract kit:
//   const prism = await startPrism();                                  // mock
//   const prism = await startPrism({ upstream: 'http://127.0.0.1:8080' }); // validating proxy
//   ...; await prism.stop();
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

const require = createRequire(import.meta.url);
export const DEFAULT_SPEC = resolve(import.meta.dirname, '../openapi/passflow-m2m.yaml');
const READY_TIMEOUT_MS = 60_000;

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * @param {{ spec?: string, port?: number, upstream?: string, errors?: boolean, dynamic?: boolean }} [options]
 * @returns {Promise<{ url: string, pid: number, output: () => string, stop: () => Promise<void> }>}
 */
export async function startPrism(options = {}) {
  const spec = resolve(options.spec ?? DEFAULT_SPEC);
  const port = options.port ?? (await freePort());
  const bin = require.resolve('@stoplight/prism-cli/dist/index.js');
  const args = options.upstream
    ? ['proxy', spec, options.upstream, ...(options.errors === false ? [] : ['--errors'])]
    : ['mock', spec, ...(options.dynamic ? ['-d'] : [])];
  args.push('--host', '127.0.0.1', '--port', String(port));
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const append = (chunk) => {
    output += chunk;
    if (output.length > 1_000_000) output = output.slice(-500_000);
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);

  const exited = new Promise((resolveExit) => child.once('exit', resolveExit));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!/Prism is listening/.test(output)) {
    if (child.exitCode !== null) throw new Error(`Prism exited with code ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Prism did not start within ${READY_TIMEOUT_MS} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url: `http://127.0.0.1:${port}`, pid: child.pid, output: () => output, stop };
}
