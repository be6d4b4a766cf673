// A fleet of replicas for tests and benchmarks: N child processes, each an M2MClient over one shared
// Redis, started together and released at once so their callers are cold at the same moment.
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { M2MClientConfig } from '../../src/index.js';
import type { RedisLibrary } from './redis-clients.js';

export type FleetMemberConfig = {
  library: RedisLibrary;
  redisPort: number;
  tokenUrl: string;
  prefix: string;
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

export type ChildMessage = { type: 'ready' } | { type: 'fetching' } | { type: 'done'; result: MemberResult };

export type FleetMember = {
  pid: number;
  child: ChildProcess;
  /** The member's result; rejects when it exits first (e.g. killed). */
  result: Promise<MemberResult>;
};

export type Fleet = {
  members: FleetMember[];
  /** Releases every member's callers at once. */
  go: () => void;
  /** Called with the member each time one makes a token request. */
  onFetching: (listener: (member: FleetMember) => void) => void;
  /** Kills every member still running. */
  close: () => Promise<void>;
};

const CHILD = fileURLToPath(new URL('./fleet-child.ts', import.meta.url));
const START_TIMEOUT_MS = 30_000;

export type FleetOptions = Partial<Omit<FleetMemberConfig, 'library' | 'redisPort' | 'tokenUrl'>> & {
  processes: number;
  library: RedisLibrary;
  redisPort: number;
  tokenUrl: string;
};

/** Starts the members and resolves once every one is connected to Redis and waiting for go(). */
export async function startFleet(options: FleetOptions): Promise<Fleet> {
  const { processes, ...rest } = options;
  const config: FleetMemberConfig = {
    prefix: 'fleet:',
    callers: 100,
    followUpCalls: 0,
    followUpIntervalMs: 100,
    client: {},
    ...rest,
  };
  const listeners: ((member: FleetMember) => void)[] = [];
  const members: FleetMember[] = [];
  const readiness: Promise<void>[] = [];

  for (let i = 0; i < processes; i++) {
    const child = fork(CHILD, [JSON.stringify(config)], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code, signal) =>
        reject(new Error(`fleet member ${child.pid} exited (${code ?? signal}) ${stderr}`)),
      ),
    );
    exited.catch(() => undefined);
    let onReady: () => void = () => undefined;
    let onDone: (result: MemberResult) => void = () => undefined;
    const ready = new Promise<void>((resolve) => {
      onReady = resolve;
    });
    const result = Promise.race([
      new Promise<MemberResult>((resolve) => {
        onDone = resolve;
      }),
      exited,
    ]);
    result.catch(() => undefined);
    const member: FleetMember = { pid: child.pid ?? 0, child, result };
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'ready') onReady();
      else if (message.type === 'fetching') for (const listener of listeners) listener(member);
      else if (message.type === 'done') onDone(message.result);
    });
    members.push(member);
    readiness.push(Promise.race([ready, exited]));
  }

  const close = async () => {
    await Promise.all(members.map((member) => stopMember(member.child)));
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
    go: () => {
      for (const member of members) if (member.child.connected) member.child.send({ type: 'go' });
    },
    onFetching: (listener) => {
      listeners.push(listener);
    },
    close,
  };
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
    if (child.connected) child.send({ type: 'exit' });
    else child.kill('SIGKILL');
  });
}
