// Fleet stampede: N replica processes, each with C concurrent cold callers, share one Redis (or only
// their own memory), against the loopback token server. Counts the token requests the server gets,
// the Redis commands it took and how long callers waited. `BENCH_SMOKE=1` runs it briefly, writes nothing.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { type MemberResult, startFleet } from '../test/support/fleet.js';
import { type RedisServer, startRedis } from '../test/support/redis.js';
import type { RedisLibrary } from '../test/support/redis-clients.js';
import { provideRedisServer } from '../test/support/redis-provision.js';
import { startTokenServer, type TokenServer } from '../test/support/token-server.js';

const RESULTS = resolve(dirname(fileURLToPath(import.meta.url)), 'results/fleet.md');
/** What the token endpoint takes to answer; the window in which a stampede piles up. */
const SERVER_DELAY_MS = 50;

type Scenario = { processes: number; callers: number; cache: RedisLibrary | 'memory only' };

const FULL: { rounds: number; scenarios: Scenario[] } = {
  rounds: 5,
  scenarios: [
    { processes: 8, callers: 100, cache: 'memory only' },
    { processes: 2, callers: 100, cache: 'ioredis' },
    { processes: 8, callers: 100, cache: 'ioredis' },
    { processes: 8, callers: 500, cache: 'ioredis' },
    { processes: 8, callers: 100, cache: 'node-redis' },
    { processes: 8, callers: 500, cache: 'node-redis' },
  ],
};
const SMOKE: typeof FULL = { rounds: 1, scenarios: [{ processes: 2, callers: 20, cache: 'ioredis' }] };

export type FleetBenchOptions = {
  /** One brief round (CI). Default: BENCH_SMOKE=1. */
  smoke?: boolean;
  /** Write bench/results/fleet.md (default: false; the bench runner writes the report itself). */
  write?: boolean;
};

/** The shape bench/index.ts takes from a suite. */
export type FleetBenchReport = {
  name: 'fleet';
  markdown: string;
  summary: string[];
  /** False when the Redis fleet made more than one token request in a round, or a call failed. */
  ok: boolean;
  rows: FleetBenchRow[];
};

export type FleetBenchRow = Scenario & {
  rounds: number;
  /** Token requests per round, one entry per round. */
  tokenRequests: number[];
  /** Distinct tokens the callers got, per round. */
  distinctTokens: number[];
  failedCalls: number;
  /** Redis commands per round (GET, SET, EVAL, DEL), median. */
  redisCommands: number;
  /** Per process: from release until its last caller had a token, in ms. */
  waitMedianMs: number;
  waitMaxMs: number;
};

/** Runs the fleet stampede scenarios. */
export async function runFleetBench(options: FleetBenchOptions = {}): Promise<FleetBenchReport> {
  const smoke = options.smoke ?? process.env.BENCH_SMOKE === '1';
  const plan = smoke ? SMOKE : FULL;
  await provideRedisServer();
  const redis = await startRedis();
  const inspector = new Redis({ host: '127.0.0.1', port: redis.port });
  const server = await startTokenServer();
  server.setDefault({ delayMs: SERVER_DELAY_MS });
  const rows: FleetBenchRow[] = [];
  let version = 'unknown';
  try {
    version = (await inspector.info('server')).match(/^redis_version:(\S+)/m)?.[1] ?? version;
    for (const scenario of plan.scenarios) {
      const row = await measure(scenario, plan.rounds, redis, inspector, server);
      rows.push(row);
    }
  } finally {
    inspector.disconnect();
    await server.close();
    await redis.close();
  }
  const markdown = report(rows, version, plan.rounds);
  if (options.write) {
    mkdirSync(dirname(RESULTS), { recursive: true });
    writeFileSync(RESULTS, `# Fleet stampede\n\n${markdown}`);
    console.log(`fleet: wrote ${RESULTS}`);
  }
  const summary = rows.map(
    (row) =>
      `${row.processes} processes x ${row.callers} callers, ${row.cache}: ` +
      `${row.tokenRequests.join('/')} token requests per round, wait median ${row.waitMedianMs.toFixed(0)} ms`,
  );
  const ok = rows.every(
    (row) =>
      row.failedCalls === 0 &&
      (row.cache === 'memory only' || row.tokenRequests.every((requests) => requests === 1)),
  );
  return { name: 'fleet', markdown, summary, ok, rows };
}

async function measure(
  scenario: Scenario,
  rounds: number,
  redis: RedisServer,
  inspector: Redis,
  server: TokenServer,
): Promise<FleetBenchRow> {
  const fleet = await startFleet({
    processes: scenario.processes,
    callers: scenario.callers,
    library: scenario.cache === 'memory only' ? 'ioredis' : scenario.cache,
    shareCache: scenario.cache !== 'memory only',
    redisPort: redis.port,
    tokenUrl: server.url,
    prefix: `bench:${scenario.cache}:${scenario.processes}x${scenario.callers}:`,
  });
  const tokenRequests: number[] = [];
  const distinctTokens: number[] = [];
  const commands: number[] = [];
  const waits: number[] = [];
  let failedCalls = 0;
  try {
    for (let round = 0; round < rounds; round++) {
      const before = server.requests.length;
      await inspector.config('RESETSTAT');
      const outcomes = await fleet.run();
      const results = outcomes.map((outcome) => {
        if (outcome.status === 'rejected') throw outcome.reason;
        return outcome.value;
      });
      commands.push(await tokenCacheCommands(inspector));
      tokenRequests.push(server.requests.length - before);
      distinctTokens.push(new Set(results.flatMap((result: MemberResult) => result.tokens)).size);
      failedCalls += results.reduce((sum, result) => sum + result.errors.length, 0);
      waits.push(...results.map((result) => result.stampedeMs));
    }
  } finally {
    await fleet.close();
    server.requests.length = 0;
  }
  waits.sort((a, b) => a - b);
  return {
    ...scenario,
    rounds,
    tokenRequests,
    distinctTokens,
    failedCalls,
    redisCommands: median([...commands].sort((a, b) => a - b)),
    waitMedianMs: median(waits),
    waitMaxMs: waits.at(-1) ?? 0,
  };
}

/** GET, SET, EVAL and DEL commands since the last RESETSTAT (the inspector's own INFO not counted). */
async function tokenCacheCommands(inspector: Redis): Promise<number> {
  const stats = await inspector.info('commandstats');
  let total = 0;
  for (const match of stats.matchAll(/^cmdstat_(get|set|eval|del):calls=(\d+)/gm)) total += Number(match[2]);
  return total;
}

function median(sorted: number[]): number {
  if (sorted.length === 0) return 0;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

function report(rows: FleetBenchRow[], redisServerVersion: string, rounds: number): string {
  const lines = [
    'Replica processes start together, each with a cold `M2MClient`, and all their callers ask for a token',
    'at the same moment. With the Redis cache (`@passflow/core/redis`) the fleet shares one token: one',
    'process takes the lock and fetches, the others wait for the token to appear in Redis. Without it',
    '("memory only") every process fetches its own. Each round uses fresh keys, so every round is cold.',
    `The token server answers after ${SERVER_DELAY_MS} ms. "Wait" is, per process, the time from release until`,
    'its last caller had a token; it includes the Redis polling of the waiting processes.',
    '',
    '| processes | callers each | cache | token requests per round | distinct tokens per round | failed calls | Redis commands per round | wait median | wait max |',
    '|---:|---:|---|---|---|---:|---:|---:|---:|',
    ...rows.map(
      (row) =>
        `| ${row.processes} | ${row.callers} | ${row.cache} | ${row.tokenRequests.join(', ')} | ` +
        `${row.distinctTokens.join(', ')} | ${row.failedCalls} | ${row.cache === 'memory only' ? '-' : row.redisCommands} | ` +
        `${row.waitMedianMs.toFixed(0)} ms | ${row.waitMaxMs.toFixed(0)} ms |`,
    ),
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} on ${os.cpus()[0]?.model ?? 'unknown CPU'} ` +
      `(${os.cpus().length} cores), Node ${process.version}, redis-server ${redisServerVersion}, ` +
      `${rounds} rounds per row. Reproduce: \`npm run bench -- fleet\` (or \`npx tsx bench/fleet.ts\`).`,
    '',
  ];
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const result = await runFleetBench({ write: process.env.BENCH_SMOKE !== '1' });
  for (const line of result.summary) console.log(`fleet: ${line}`);
  if (!result.ok) process.exitCode = 1;
}
