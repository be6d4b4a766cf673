// Builds src/cli/index.ts once into .tmp/ (beside node_modules, so its dependencies resolve) and runs it
// as a real child process, the way a shell or a CI job does.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

const ROOT = resolve(import.meta.dirname, '../..');

export type CliResult = { code: number | null; stdout: string; stderr: string };

export async function buildCli(): Promise<{ bin: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(ROOT, '.tmp', 'cli-'));
  const bin = join(dir, 'cli.mjs');
  await build({
    entryPoints: [join(ROOT, 'src/cli/index.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile: bin,
    logLevel: 'warning',
  });
  return { bin, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Runs the CLI with exactly `env` (no inherited credentials) and optional stdin; bounded to 20 s. */
export function runCli(
  bin: string,
  args: string[],
  options: { env?: Record<string, string>; stdin?: string } = {},
): Promise<CliResult> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { PATH: process.env.PATH ?? '', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout, stderr });
    });
    child.stdin.end(options.stdin ?? '');
  });
}

/** An unsigned JWT: the CLI decodes claims and never verifies signatures. */
export function unsignedJwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'at+jwt' })}.${part(claims)}.c2ln`;
}
