// What must hold before any case runs: a server URL with a scheme, a server that answers, a spec file,
// and Prism's two proxies. Each failure is one setup error naming its cause (exit status 2).
import { existsSync } from 'node:fs';
import { startPrism } from '../scripts/prism.mjs';
import { UsageError } from '../src/cli/args.js';

/** The kit could not start checking: the server or Prism is not there. */
export class SetupError extends Error {
  override readonly name = 'SetupError';
}

/** The server under test from `--server` or PASSFLOW_URL, without a trailing slash. */
export function serverUrl(option: string | undefined, env: NodeJS.ProcessEnv): string {
  const source = option !== undefined ? '--server' : 'PASSFLOW_URL';
  const value = option ?? env.PASSFLOW_URL?.trim();
  if (!value) throw new UsageError('no server to check: pass --server <url> or set PASSFLOW_URL');
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  // new URL('127.0.0.1:8080') parses, with "127.0.0.1:" as its scheme.
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    const shown = value.includes('@') ? '' : ` (got ${JSON.stringify(value)})`;
    throw new UsageError(`${source} must be an http:// or https:// URL, e.g. http://127.0.0.1:8080${shown}`);
  }
  if (url.username || url.password) throw new UsageError(`${source} must not contain credentials`);
  return url.href.replace(/\/+$/, '');
}

const NETWORK_CAUSES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found (DNS lookup failed)',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

/** Any HTTP answer from the server will do; no answer is a setup error naming why. */
export async function probeServer(server: string, timeoutMs: number): Promise<void> {
  try {
    const response = await fetch(server, { redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
  } catch (error) {
    throw new SetupError(`cannot reach ${server}: ${networkCause(error, timeoutMs)}`);
  }
}

function networkCause(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && error.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  const cause = error instanceof Error ? error.cause : undefined;
  const code = (cause as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string') return `${NETWORK_CAUSES[code] ?? (cause as Error).message} (${code})`;
  return cause instanceof Error ? cause.message : error instanceof Error ? error.message : String(error);
}

export type Proxies = { strictUrl: string; laxUrl: string; stop: () => Promise<void> };

/** Prism's validating proxy in front of the server, with --errors and without. */
export async function startProxies(spec: string, upstream: string): Promise<Proxies> {
  if (!existsSync(spec)) throw new SetupError(`--spec: no such file ${spec}`);
  const started = await Promise.allSettled([
    startPrism({ spec, upstream, errors: true }),
    startPrism({ spec, upstream, errors: false }),
  ]);
  const stop = async () => {
    await Promise.all(started.map((p) => (p.status === 'fulfilled' ? p.value.stop() : undefined)));
  };
  const [strict, lax] = started;
  if (strict?.status !== 'fulfilled' || lax?.status !== 'fulfilled') {
    await stop();
    const failure = started.find((p) => p.status === 'rejected')?.reason;
    const text = failure instanceof Error ? failure.message : String(failure);
    const line = text.split('\n').find((l) => /error/i.test(l)) ?? text.split('\n')[0];
    throw new SetupError(`Prism could not start: ${line?.trim()}`);
  }
  return { strictUrl: strict.value.url, laxUrl: lax.value.url, stop };
}
