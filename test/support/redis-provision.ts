// Where the Redis tests get their redis-server: `REDIS_SERVER`, else `redis-server` on PATH, else (when
// apt-get can run, as root) a one-time `apt-get install`, so that `npm ci && npm test` passes on a
// fresh Debian machine. Anywhere else the Redis tests fail at once with REDIS_INSTRUCTION.
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
const INSTALL_TIMEOUT_MS = 10 * 60_000;

export const REDIS_INSTRUCTION =
  'redis-server is not installed: the Redis tests need a real server. ' +
  'Install it (apt-get install -y redis-server, brew install redis) or set REDIS_SERVER to its path.';

/** The redis-server binary: `REDIS_SERVER`, or the one on the PATH of `env`. */
export function findRedisServer(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.REDIS_SERVER) return env.REDIS_SERVER;
  return commandPath('redis-server', env);
}

function commandPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8', env }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export type ProvideOptions = {
  env?: NodeJS.ProcessEnv;
  /** Whether this process may install system packages (default: running as root). */
  isRoot?: boolean;
  /** Told once, in one line, when an installation starts. */
  log?: (line: string) => void;
};

export type Provided =
  | { binary: string; installed: boolean }
  | { binary: undefined; installed: false; reason: string };

/**
 * Finds redis-server, or installs it with apt-get when there is none and apt-get can run. Never throws:
 * what could not be provided is described in `reason`.
 */
export async function provideRedisServer(options: ProvideOptions = {}): Promise<Provided> {
  const env = options.env ?? process.env;
  const found = findRedisServer(env);
  if (found) return { binary: found, installed: false };
  const isRoot = options.isRoot ?? process.getuid?.() === 0;
  if (!isRoot || !commandPath('apt-get', env)) {
    return { binary: undefined, installed: false, reason: REDIS_INSTRUCTION };
  }
  (options.log ?? console.log)(
    'redis-server not found: installing it with apt-get (once, for the Redis tests)',
  );
  const aptEnv = { ...env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (args: string[]) =>
    run('apt-get', args, { env: aptEnv, timeout: INSTALL_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 });
  const install = () => apt(['install', '-y', '--no-install-recommends', 'redis-server']);
  try {
    // A fresh image has no package lists yet: then update them and try once more.
    await install().catch(async () => {
      await apt(['update']);
      await install();
    });
  } catch (error) {
    const detail = (error as { stderr?: string }).stderr?.trim().split('\n').pop() ?? String(error);
    return {
      binary: undefined,
      installed: false,
      reason: `apt-get could not install redis-server (${detail}). ${REDIS_INSTRUCTION}`,
    };
  }
  const binary = findRedisServer(env);
  return binary
    ? { binary, installed: true }
    : { binary: undefined, installed: false, reason: `apt-get ran, but ${REDIS_INSTRUCTION}` };
}
