// Runs the contract kit as a server team's CI would: a child process, credentials in the environment.
import { resolve } from 'node:path';
import { startProcess } from '../support/process.js';

const ROOT = resolve(import.meta.dirname, '../..');

export type KitRun = { code: number | null; stdout: string; stderr: string; output: string };

/** `node --import tsx contract/run.ts …args` with exactly these credentials (no PASSFLOW_URL inherited). */
export async function runKit(
  args: string[],
  credentials: { clientId: string; secret: string },
  command: string[] = [process.execPath, '--import', 'tsx', 'contract/run.ts'],
): Promise<KitRun> {
  const { PASSFLOW_URL: _ignored, ...env } = process.env;
  const [bin = 'node', ...rest] = command;
  const run = startProcess(bin, [...rest, ...args], {
    cwd: ROOT,
    env: { ...env, M2M_CLIENT_ID: credentials.clientId, M2M_CLIENT_SECRET: credentials.secret },
    timeoutMs: 90_000,
  });
  const { code, stdout, stderr } = await run.exited;
  return { code, stdout, stderr, output: run.output() };
}

/** The verdict line of a case: "PASS  scopes", "FAIL  revocation", "N/A   jwks". */
export function caseLine(output: string, name: string): string {
  return (
    output.split('\n').find((line) => /^(PASS|FAIL|N\/A) /.test(line) && line.slice(6) === name) ??
    `(no line for ${name})`
  );
}

/** The check lines listed under a case, without their indentation. */
export function checkLines(output: string, name: string): string[] {
  const lines = output.split('\n');
  const start = lines.indexOf(caseLine(output, name));
  if (start < 0) return [];
  const below = lines.slice(start + 1);
  const end = below.findIndex((line) => !line.startsWith('        '));
  return below.slice(0, end < 0 ? below.length : end).map((line) => line.trim());
}
