// Many replicas, one Redis: real child processes, a real redis-server, the loopback token server.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Fleet, type MemberResult, startFleet } from '../support/fleet.js';
import { type RedisServer, startRedis } from '../support/redis.js';
import { startTokenServer, type TokenServer, tokenBody } from '../support/token-server.js';

const PROCESSES = 8;
let redis: RedisServer;
let server: TokenServer;
let fleet: Fleet | undefined;
let run = 0;

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.close();
});
beforeEach(async () => {
  server = await startTokenServer();
  run++;
});
afterEach(async () => {
  await fleet?.close();
  fleet = undefined;
  await server.close();
});

describe.each(['ioredis', 'node-redis'] as const)('a fleet of %s replicas', (library) => {
  it(`makes 1 token request for ${PROCESSES} processes x 100 concurrent cold callers`, async () => {
    server.setDefault({ delayMs: 100 });
    fleet = await startFleet({
      processes: PROCESSES,
      callers: 100,
      library,
      redisPort: redis.port,
      tokenUrl: server.url,
      prefix: `run${run}:`,
    });
    const results = fulfilled(await fleet.run());
    expect(results).toHaveLength(PROCESSES);

    expect(server.requests).toHaveLength(1);
    expect(results.flatMap((result) => result.errors)).toEqual([]);
    expect(results.reduce((sum, result) => sum + result.calls, 0)).toBe(PROCESSES * 100);
    const tokens = new Set(results.flatMap((result) => result.tokens));
    expect(tokens.size).toBe(1);
    expect(results.filter((result) => result.requests === 1)).toHaveLength(1);
  });
});

it('lets another process take over when the lock holder is killed while fetching', async () => {
  const timeout = 2000;
  const lockTtlMs = timeout + 2000;
  server.enqueue({ delayMs: 60_000 });
  fleet = await startFleet({
    processes: PROCESSES,
    callers: 20,
    library: 'ioredis',
    redisPort: redis.port,
    tokenUrl: server.url,
    prefix: `run${run}:`,
    client: { timeout },
  });
  const killed: number[] = [];
  fleet.onFetching((member) => {
    if (killed.length > 0) return;
    killed.push(member.pid);
    // Killed once its request is in flight at the server (the hook runs just before it is sent).
    void waitFor(() => server.requests.length > 0).then(() => member.child.kill('SIGKILL'));
  });
  const survivors = fulfilled(await fleet.run());

  expect(killed).toHaveLength(1);
  expect(survivors).toHaveLength(PROCESSES - 1);
  expect(survivors.map((result) => result.pid)).not.toContain(killed[0]);
  expect(survivors.flatMap((result) => result.errors)).toEqual([]);
  // The killed holder's request and exactly one more, by whichever process took the lock over.
  expect(server.requests).toHaveLength(2);
  expect(new Set(survivors.flatMap((result) => result.tokens)).size).toBe(1);
  // Liveness bound, not speed: everyone had a token once the dead holder's lock expired, with a margin.
  for (const result of survivors) expect(result.stampedeMs).toBeLessThan(lockTtlMs + 5000);
});

it(`renews a token near expiry with 1 request across ${PROCESSES} processes`, async () => {
  const expiresIn = 6;
  server.enqueue({ body: tokenBody(expiresIn) });
  server.setDefault({ body: tokenBody(3600) });
  fleet = await startFleet({
    processes: PROCESSES,
    callers: 10,
    followUpCalls: 60,
    followUpIntervalMs: 100,
    library: 'node-redis',
    redisPort: redis.port,
    tokenUrl: server.url,
    prefix: `run${run}:`,
    client: { autoRefresh: true, refreshThreshold: 2 },
  });
  const results = fulfilled(await fleet.run());
  expect(results).toHaveLength(PROCESSES);

  expect(results.flatMap((result) => result.errors)).toEqual([]);
  expect(results.reduce((sum, result) => sum + result.expiredServed, 0)).toBe(0);
  // The cold start and one renewal, for the whole fleet.
  expect(server.requests).toHaveLength(2);
  const sequences = new Set(results.map((result) => result.tokens.join(' -> ')));
  expect(sequences.size).toBe(1);
  expect(results[0]?.tokens).toHaveLength(2);
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!condition()) throw new Error('condition not met within 5 s');
}

function fulfilled(outcomes: PromiseSettledResult<MemberResult>[]): MemberResult[] {
  return outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
}
