// How the test run provides redis-server, with a stand-in apt-get on PATH: what it is asked to do, when
// it runs at all, and the one line printed when it does.
import { chmod, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { repoTempDir } from '../support/process.js';
import { provideRedisServer, REDIS_INSTRUCTION } from '../support/redis-provision.js';

let dir: string;
let bin: string;
let calls: string;
/** The stand-in commands and the few real ones they use: no real redis-server or apt-get. */
let env: NodeJS.ProcessEnv;

beforeEach(async () => {
  dir = await repoTempDir('redis-provision-');
  bin = join(dir, 'bin');
  const base = join(dir, 'base');
  calls = join(dir, 'apt-get.calls');
  await mkdir(bin);
  await mkdir(base);
  for (const command of ['sh', 'touch', 'chmod']) await symlink(`/bin/${command}`, join(base, command));
  env = { PATH: `${bin}:${base}` };
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * An apt-get that logs its arguments; `install` creates an executable redis-server in bin/, failing the
 * first time when `needsUpdate` until `update` ran (a fresh image without package lists).
 */
async function fakeAptGet(options: { needsUpdate?: boolean; installs?: boolean } = {}): Promise<void> {
  const script = `#!/bin/sh
echo "$*" >> '${calls}'
case "$1" in
  update) touch '${dir}/lists' ;;
  install)
    ${options.needsUpdate ? `[ -f '${dir}/lists' ] || { echo "E: Unable to locate package redis-server" >&2; exit 100; }` : ''}
    ${options.installs === false ? 'echo "E: broken" >&2; exit 100' : `printf '#!/bin/sh\\n' > '${bin}/redis-server'; chmod +x '${bin}/redis-server'`}
    ;;
esac
`;
  await writeFile(join(bin, 'apt-get'), script);
  await chmod(join(bin, 'apt-get'), 0o755);
}

const aptCalls = async () => (await readFile(calls, 'utf8').catch(() => '')).split('\n').filter(Boolean);

describe('provideRedisServer', () => {
  it('installs redis-server with apt-get once, saying so in one line', async () => {
    await fakeAptGet();
    const lines: string[] = [];
    const first = await provideRedisServer({ env, isRoot: true, log: (line) => lines.push(line) });
    expect(first).toEqual({ binary: join(bin, 'redis-server'), installed: true });
    expect(await aptCalls()).toEqual(['install -y --no-install-recommends redis-server']);
    expect(lines).toEqual(['redis-server not found: installing it with apt-get (once, for the Redis tests)']);

    const second = await provideRedisServer({ env, isRoot: true, log: (line) => lines.push(line) });
    expect(second).toEqual({ binary: join(bin, 'redis-server'), installed: false });
    expect(await aptCalls()).toHaveLength(1);
    expect(lines).toHaveLength(1);
  });

  it('updates the package lists when the first install finds no package', async () => {
    await fakeAptGet({ needsUpdate: true });
    const provided = await provideRedisServer({ env, isRoot: true, log: () => undefined });
    expect(provided.binary).toBe(join(bin, 'redis-server'));
    expect(await aptCalls()).toEqual([
      'install -y --no-install-recommends redis-server',
      'update',
      'install -y --no-install-recommends redis-server',
    ]);
  });

  it('takes REDIS_SERVER, then PATH, without running apt-get', async () => {
    await fakeAptGet();
    const configured = await provideRedisServer({
      env: { ...env, REDIS_SERVER: '/opt/redis/bin/redis-server' },
    });
    expect(configured).toEqual({ binary: '/opt/redis/bin/redis-server', installed: false });
    await writeFile(join(bin, 'redis-server'), '#!/bin/sh\n', { mode: 0o755 });
    expect(await provideRedisServer({ env, isRoot: true })).toEqual({
      binary: join(bin, 'redis-server'),
      installed: false,
    });
    expect(await aptCalls()).toEqual([]);
  });

  it('does not try without root, or without apt-get, and gives the instruction', async () => {
    await fakeAptGet();
    const lines: string[] = [];
    const notRoot = await provideRedisServer({ env, isRoot: false, log: (line) => lines.push(line) });
    expect(notRoot).toEqual({ binary: undefined, installed: false, reason: REDIS_INSTRUCTION });
    await rm(join(bin, 'apt-get'));
    const noApt = await provideRedisServer({ env, isRoot: true, log: (line) => lines.push(line) });
    expect(noApt).toEqual({ binary: undefined, installed: false, reason: REDIS_INSTRUCTION });
    expect(lines).toEqual([]);
    expect(await aptCalls()).toEqual([]);
  });

  it('reports a failed installation with apt-get’s last line and the instruction', async () => {
    await fakeAptGet({ installs: false });
    const provided = await provideRedisServer({ env, isRoot: true, log: () => undefined });
    expect(provided.binary).toBeUndefined();
    expect(provided).toMatchObject({
      reason: expect.stringContaining('apt-get could not install redis-server (E: broken)'),
    });
    expect(provided).toMatchObject({ reason: expect.stringContaining(REDIS_INSTRUCTION) });
  });
});

describe('startRedis without a redis-server', () => {
  it('fails at once with the instruction', async () => {
    const saved = { PATH: process.env.PATH, REDIS_SERVER: process.env.REDIS_SERVER };
    process.env.PATH = env.PATH;
    delete process.env.REDIS_SERVER;
    try {
      const { startRedis } = await import('../support/redis.js');
      await expect(startRedis()).rejects.toThrow(REDIS_INSTRUCTION);
    } finally {
      process.env.PATH = saved.PATH;
      if (saved.REDIS_SERVER !== undefined) process.env.REDIS_SERVER = saved.REDIS_SERVER;
    }
  });
});
