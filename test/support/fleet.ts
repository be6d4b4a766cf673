// A fleet of replicas for tests and benchmarks: N child processes, each with M2MClients over one shared
// Redis, started together and released at once so their callers are cold at the same moment.
import { type ChildProcess, fork } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { M2MClientConfig } from '../../src/index.js';
import type { RedisLibrary } from './redis-clients.js';

export type FleetMemberConfig = {
  library: RedisLibrary;
  redisPort: number;
  tokenUrl: string;
  prefix: string;
  /** Whether the members share tokens through Redis (false: each has only its memory cache). */
  shareCache: boolean;
  /** Concurrent cold callers of getToken() when released. */
  callers: number;
  /** Then this many sequential calls, one every followUpIntervalMs (to watch renewals). */
  followUpCalls: number;
  followUpIntervalMs: number;
  client: Pick<M2MClientConfig, 'timeout' | 'autoRefresh' | 'refreshThreshold' | 'retries'>;
};

export type MemberResult = {
  pid: number;
  /** Distinct access tokens in the order the member first got them. */
  tokens: string[];
  calls: number;
  errors: string[];
  /** Calls answered with a token already expired by its own issued_at + expires_in. */
  expiredServed: number;
  /** From release until the last concurrent caller had its token. */
  stampedeMs: number;
  /** Token endpoint attempts this member made. */
  requests: number;
  cacheErrors: number;
};

export type ChildMessage =
  | { type: 'ready' }
  | { type: 'fetching' }
  | { type: 'done'; round: number; result: MemberResult };

export type ParentMessage = { type: 'go'; round: number } | { type: 'exit' };

export type FleetMember = { pid: number; child: ChildProcess };

export type Fleet = {
  members: FleetMember[];
  /**
   * Releases every running member's callers at once, each on a new, cold client (keys of this round
   * only), and settles once each has reported or exited (e.g. killed).
   */
  run: () => Promise<PromiseSettledResult<MemberResult>[]>;
  /** Called with the member each time one makes a token request. */
  onFetching: (listener: (member: FleetMember) => void) => void;
  /** Stops every member still running. */
  close: () => Promise<void>;
};

export type FleetOptions = Partial<Omit<FleetMemberConfig, 'library' | 'redisPort' | 'tokenUrl'>> & {
  processes: number;
  library: RedisLibrary;
  redisPort: number;
  tokenUrl: string;
};

const CHILD = fileURLToPath(new URL('./fleet-child.ts', import.meta.url));
/** Inside node_modules, so the bundle's package imports resolve to the project's own. */
const BUNDLE_DIR = fileURLToPath(new URL('../../node_modules/.cache/passflow-fleet/', import.meta.url));
let bundles = 0;

/**
 * fleet-child.ts and the sources it imports, bundled into one ES module (packages stay imports). Eight
 * processes start from it several times faster than each through a TypeScript loader of its own.
 */
async function bundleChild(): Promise<string> {
  const outfile = `${BUNDLE_DIR}child-${process.pid}-${++bundles}.mjs`;
  await build({
    entryPoints: [CHILD],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
  return outfile;
}
const START_TIMEOUT_MS = 60_000;

/** Starts the members and resolves once every one is connected to Redis and waiting. */
export async function startFleet(options: FleetOptions): Promise<Fleet> {
  const { processes, ...rest } = options;
  const config: FleetMemberConfig = {
    prefix: 'fleet:',
    shareCache: true,
    callers: 100,
    followUpCalls: 0,
    followUpIntervalMs: 100,
    client: {},
    ...rest,
  };
  const listeners: ((member: FleetMember) => void)[] = [];
  const members: FleetMember[] = [];
  const readiness: Promise<unknown>[] = [];
  let round = 0;
  const bundle = await bundleChild();

  for (let i = 0; i < processes; i++) {
    // process.execPath, as fork() does, without the parent's loader flags.
    const child = fork(bundle, [JSON.stringify(config)], {
      execArgv: [],
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    const member: FleetMember = { pid: child.pid ?? 0, child };
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'fetching') for (const listener of listeners) listener(member);
    });
    members.push(member);
    readiness.push(nextMessage(child, (message) => message.type === 'ready'));
  }

  const close = async () => {
    await Promise.all(members.map((member) => stopMember(member.child)));
    await rm(bundle, { force: true });
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      Promise.all(readiness),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('fleet did not start in time')), START_TIMEOUT_MS);
      }),
    ]);
  } catch (error) {
    await close();
    throw error;
  } finally {
    clearTimeout(timer);
  }

  return {
    members,
    run: () => {
      round++;
      const running = members.filter((member) => member.child.connected);
      const results = running.map((member) =>
        nextMessage(member.child, (message) => message.type === 'done' && message.round === round).then(
          (message) => (message as Extract<ChildMessage, { type: 'done' }>).result,
        ),
      );
      for (const member of running) member.child.send({ type: 'go', round } satisfies ParentMessage);
      return Promise.allSettled(results);
    },
    onFetching: (listener) => {
      listeners.push(listener);
    },
    close,
  };
}

/** The child's next message matching `wanted`; rejects (with its stderr) if the child exits first. */
function nextMessage(child: ChildProcess, wanted: (message: ChildMessage) => boolean): Promise<ChildMessage> {
  let stderr = '';
  const onData = (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  };
  child.stderr?.on('data', onData);
  return new Promise<ChildMessage>((resolve, reject) => {
    const onMessage = (message: ChildMessage) => {
      if (!wanted(message)) return;
      cleanup();
      resolve(message);
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      cleanup();
      reject(new Error(`fleet member ${child.pid} exited (${code ?? signal}) ${stderr}`));
    };
    const cleanup = () => {
      child.off('message', onMessage);
      child.off('exit', onExit);
      child.stderr?.off('data', onData);
    };
    if (child.exitCode !== null || child.signalCode !== null) return onExit(child.exitCode, child.signalCode);
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** Asks a member to exit, and kills it by PID if it has not within a second. */
function stopMember(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 1000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    if (child.connected) child.send({ type: 'exit' } satisfies ParentMessage);
    else child.kill('SIGKILL');
  });
}
