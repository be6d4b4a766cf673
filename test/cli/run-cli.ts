// Builds src/cli/index.ts once into .tmp/ (beside node_modules, so its dependencies resolve) and runs it
// as a real child process, the way a shell or a CI job does.
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { type ProcessResult, repoTempDir, runProcess } from '../support/process.js';

const ROOT = resolve(import.meta.dirname, '../..');

export type CliResult = ProcessResult;

export async function buildCli(): Promise<{ bin: string; dir: string; remove: () => Promise<void> }> {
  const dir = await repoTempDir('cli-');
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
  return { bin, dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Runs the CLI with exactly `env` (no inherited credentials) and optional stdin; bounded to 20 s. */
export function runCli(
  bin: string,
  args: string[],
  options: { env?: Record<string, string>; stdin?: string } = {},
): Promise<CliResult> {
  return runProcess(process.execPath, [bin, ...args], {
    env: { PATH: process.env.PATH ?? '', ...options.env },
    ...(options.stdin !== undefined && { stdin: options.stdin }),
    timeoutMs: 20_000,
  });
}

/** An unsigned JWT: the CLI decodes claims and never verifies signatures. */
export function unsignedJwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'at+jwt' })}.${part(claims)}.c2ln`;
}
