// Runs the contract kit as a server team's CI would (a child process, credentials in the environment),
// or its cases in this process through proxies kept for several runs.
import { resolve } from 'node:path';
import { CASES } from '../../contract/cases/index.js';
import { runCases } from '../../contract/kit.js';
import { junitReport, textReport } from '../../contract/report.js';
import { startProxies } from '../../contract/setup.js';
import { DEFAULT_SPEC } from '../../scripts/prism.mjs';
import type { ClientAuthMethod } from '../../src/index.js';
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

export type KitOptions = {
  clientId: string;
  secret: string;
  authMethod?: ClientAuthMethod;
  scopes?: string[];
  disallowedScope?: string;
  audience?: string[];
};

export type CheckedServer = {
  /** Runs every case, as `npm run contract` does, and returns its text report and JUnit XML. */
  check: (options: KitOptions) => Promise<{ text: string; junit: string; failed: boolean }>;
  stop: () => Promise<void>;
};

/**
 * The kit's cases in this process, through one pair of Prism proxies kept for every run against
 * `upstream` (the command line starts a pair per run; what it adds is tested with `runKit`).
 */
export async function checkedServer(upstream: string): Promise<CheckedServer> {
  const proxies = await startProxies(DEFAULT_SPEC, upstream);
  return {
    check: async (options) => {
      const results = await runCases(
        {
          serverUrl: upstream,
          strictUrl: proxies.strictUrl,
          laxUrl: proxies.laxUrl,
          clientId: options.clientId,
          clientSecret: options.secret,
          authMethod: options.authMethod ?? 'client_secret_post',
          scopes: options.scopes ?? ['users:read', 'orders:write'],
          disallowedScope: options.disallowedScope ?? 'admin:all',
          audience: options.audience ?? [],
          timeout: 10_000,
        },
        CASES,
      );
      return {
        text: textReport(results),
        junit: junitReport(results, upstream),
        failed: results.some((r) => r.verdict === 'fail'),
      };
    },
    stop: proxies.stop,
  };
}
