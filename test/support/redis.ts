// A real redis-server on a free loopback port, no persistence, stopped by PID. It can be stopped and
// started again on the same port, for outage tests.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../scripts/prism.mjs';
import { findRedisServer, REDIS_INSTRUCTION } from './redis-provision.js';

export type RedisServer = {
  port: number;
  url: string;
  /** PID of the running server, or undefined while it is stopped. */
  readonly pid: number | undefined;
  /** Stop the server (SIGTERM, then SIGKILL after 3 s); connections drop. */
  stop: () => Promise<void>;
  /** Freeze the server (SIGSTOP): connections stay open, commands get no answer, like a hung Redis. */
  pause: () => void;
  /** Let a paused server go on (SIGCONT); it answers what it was sent meanwhile. */
  resume: () => void;
  /** Start it again on the same port and wait until it answers PING. */
  restart: () => Promise<void>;
  /** Stop for good. */
  close: () => Promise<void>;
};

const READY_TIMEOUT_MS = 10_000;

const running = new Set<ChildProcess>();
// A test run that dies early must not leave servers behind.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export type RedisServerOptions = {
  /**
   * A one-node Redis Cluster owning all 16384 slots, for cluster clients (ioredis `Cluster`, node-redis
   * `createCluster`) and `CLUSTER KEYSLOT`.
   */
  cluster?: boolean;
};

/**
 * Starts a redis-server (`REDIS_SERVER`, or the one on PATH; the test run's global setup installs one
 * when it can, see redis-provision.ts). A missing binary fails the calling test at once with the
 * instruction: these tests never skip.
 */
export async function startRedis(options: RedisServerOptions = {}): Promise<RedisServer> {
  const binary = findRedisServer();
  if (!binary) {
    console.error(`\n*** ${REDIS_INSTRUCTION} ***\n`);
    throw new Error(REDIS_INSTRUCTION);
  }
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'passflow-redis-'));
  // A lone node does not know its own address; clients follow the one it announces.
  const extra = options.cluster
    ? [
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        'nodes.conf',
        '--cluster-announce-ip',
        '127.0.0.1',
      ]
    : [];
  let child: ChildProcess | undefined = await launch(binary, port, dir, extra);
  if (options.cluster) await assignAllSlots(port);

  const stop = async () => {
    const stopping = child;
    child = undefined;
    if (stopping) await terminate(stopping);
  };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return child?.pid;
    },
    stop,
    pause: () => child?.kill('SIGSTOP'),
    resume: () => child?.kill('SIGCONT'),
    restart: async () => {
      await stop();
      child = await launch(binary, port, dir, extra);
    },
    close: async () => {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function launch(binary: string, port: number, dir: string, extra: string[]): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const child = spawn(binary, [...args, '--dir', dir, '--loglevel', 'warning', ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  const append = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<never>((_, reject) => {
    child.once('exit', (code, signal) =>
      reject(new Error(`redis-server exited (${code ?? signal}) before answering PING:\n${output}`)),
    );
    child.once('error', (error) => {
      running.delete(child);
      reject(new Error(`redis-server could not be started (${binary}): ${error.message}`));
    });
  });
  exited.catch(() => undefined);
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (await Promise.race([ping(port), exited])) return child;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await terminate(child);
  throw new Error(
    `redis-server on port ${port} did not answer PING within ${READY_TIMEOUT_MS} ms:\n${output}`,
  );
}

function terminate(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    let force: ReturnType<typeof setTimeout> | undefined;
    const done = () => {
      clearTimeout(force);
      running.delete(child);
      resolve();
    };
    if (child.exitCode !== null || child.signalCode !== null) return done();
    child.once('exit', done);
    force = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.kill('SIGCONT');
    child.kill('SIGTERM');
  });
}

/** Whether a server on `port` answers PING with PONG. */
async function ping(port: number): Promise<boolean> {
  return (await command(port, 'PING')).startsWith('+PONG');
}

/** Gives a fresh cluster node every slot and waits until the cluster reports itself ok. */
async function assignAllSlots(port: number): Promise<void> {
  const reply = await command(port, 'CLUSTER ADDSLOTSRANGE 0 16383');
  if (!reply.startsWith('+OK')) throw new Error(`CLUSTER ADDSLOTSRANGE failed: ${reply}`);
  for (let i = 0; i < 200; i++) {
    if ((await command(port, 'CLUSTER INFO')).includes('cluster_state:ok')) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the one-node cluster on port ${port} did not reach cluster_state:ok`);
}

/** One inline command over a fresh connection; resolves to the raw reply, '' on failure. */
function command(port: number, line: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    let expected = Number.POSITIVE_INFINITY;
    const finish = () => {
      socket.destroy();
      resolve(reply);
    };
    socket.setTimeout(1000, finish);
    socket.on('connect', () => socket.write(`${line}\r\n`));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      // A bulk string ($N) ends after N bytes and a CRLF; anything else after its first line.
      const header = reply.indexOf('\r\n');
      if (header < 0) return;
      if (reply.startsWith('$')) expected = header + 2 + Number(reply.slice(1, header)) + 2;
      else expected = header + 2;
      if (reply.length >= expected) finish();
    });
    socket.on('error', finish);
  });
}
