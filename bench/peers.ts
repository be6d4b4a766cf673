// Benchmarks against the libraries a user would pick instead: openid-client, simple-oauth2 and
// @badgateway/oauth2-client, each used the way its documentation shows, against the same loopback
// token server in the same run. `BENCH_SMOKE=1` runs every measurement briefly and writes nothing.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import type { OAuth2Token } from '@badgateway/oauth2-client';
import { build } from 'esbuild';
import * as oidc from 'openid-client';
import type { AccessToken } from 'simple-oauth2';
import { M2MClient } from '../src/index.js';
import { makeJwt, startTokenServer, type TokenServer } from '../test/support/token-server.js';
import {
  badgatewayClient,
  badgatewayFetch,
  CLIENT_ID,
  CLIENT_SECRET,
  freshTokenContenders,
  OURS,
  openidConfig,
  RAW_FETCH,
  simpleClient,
} from './peers-libraries.js';
import type { BenchReport } from './support.js';

const run = promisify(execFile);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export type PeerBenchOptions = {
  /** Brief runs of every measurement (CI); nothing is written. Default: BENCH_SMOKE=1. */
  smoke?: boolean;
  /** Write the results into BENCHMARKS.md (default: on unless smoke). */
  write?: boolean;
};

type Sizes = {
  /** Rounds × calls per round of the fetch-overhead comparison. */
  rounds: number;
  perRound: number;
  cachedMs: number;
  stampede: number;
  importRuns: number;
  instances: number;
};

const FULL: Sizes = {
  rounds: 2000,
  perRound: 8,
  cachedMs: 1000,
  stampede: 1000,
  importRuns: 7,
  instances: 10_000,
};
const SMOKE: Sizes = { rounds: 3, perRound: 5, cachedMs: 50, stampede: 1000, importRuns: 1, instances: 500 };

type Row = { name: string; cells: string[] };
type Section = {
  title: string;
  header: string[];
  rows: Row[];
  note?: string;
  /** Console lines for the runner. */
  summary?: string[];
  /** False when a deterministic target was missed. */
  ok?: boolean;
};

/** The server side of every run: a fresh JWT per token request, counted, the log kept empty. */
type BenchServer = {
  server: TokenServer;
  /** Token requests answered since the last reset. */
  served: () => number;
  /** Delay of every answer from now on (until the next reset). */
  setDelay: (ms: number) => void;
  reset: () => void;
};

async function benchServer(): Promise<BenchServer> {
  const server = await startTokenServer();
  const jwt = await makeJwt({ client_id: CLIENT_ID, scopes: ['orders:read', 'orders:write'] });
  let count = 0;
  let delayMs = 0;
  server.setDefault(() => {
    count++;
    server.requests.length = 0;
    return {
      body: { access_token: `${jwt}.${count}`, token_type: 'Bearer', expires_in: 3600 },
      ...(delayMs > 0 && { delayMs }),
    };
  });
  return {
    server,
    served: () => count,
    setDelay: (ms) => {
      delayMs = ms;
    },
    reset: () => {
      count = 0;
      delayMs = 0;
    },
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

const fmt = (value: number, digits = 0) =>
  value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** The value below which `fraction` of `values` lie (nearest rank). */
function percentile(values: number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] as number;
}

/**
 * Time per fresh token beside a raw fetch POST. Each library runs in a child process of its own
 * (bench/peers-overhead.ts) with its own raw-fetch baseline, against this process's token server. Two
 * estimates: the 10th percentile of batch times (other processes only ever add time, so the fast
 * batches show each library's own cost) and the median of the per-round ratios to the raw fetch.
 */
async function fetchOverhead(url: string, sizes: Sizes): Promise<Section> {
  const child = join(root, 'bench/peers-overhead.ts');
  const names = [...freshTokenContenders(url).keys()].filter((name) => name !== RAW_FETCH);
  const rows: Row[] = [];
  let ours = { p10Ratio: 0, medianRatio: 0 };
  for (const name of names) {
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', child, name, url, String(sizes.rounds), String(sizes.perRound)],
      { cwd: root, maxBuffer: 1 << 24 },
    );
    const times = JSON.parse(stdout.trim().split('\n').pop() as string) as {
      raw: number[];
      subject: number[];
    };
    const rawP10 = percentile(times.raw, 0.1);
    const p10 = percentile(times.subject, 0.1);
    const estimate = {
      p10Ratio: p10 / rawP10,
      medianRatio: median(times.subject.map((t, i) => t / (times.raw[i] as number))),
    };
    if (name === OURS) ours = estimate;
    rows.push({
      name,
      cells: [fmt(p10), fmt(rawP10), `${fmt(estimate.p10Ratio, 2)}x`, `${fmt(estimate.medianRatio, 2)}x`],
    });
  }
  return {
    summary: [
      `fresh token: ${fmt(ours.p10Ratio, 2)}x a raw fetch POST (p10), ${fmt(ours.medianRatio, 2)}x (median of rounds); target <= 1.15x`,
    ],
    title: 'Token fetch overhead (time per fresh token; target for @passflow/core <= 1.15x raw fetch)',
    header: [
      'library',
      'µs per token (p10 of batches)',
      'raw fetch POST in the same process (µs, p10)',
      'ratio to raw fetch (p10)',
      'ratio (median of rounds)',
    ],
    rows,
    note: `Each library in a node process of its own, taking turns with a raw fetch POST in ${fmt(sizes.rounds)} rounds × ${sizes.perRound} tokens; the token server runs in another process. @passflow/core with forceRefresh: true.`,
  };
}

/** Calls per second for `call` over `ms` milliseconds, in batches of 1000 sequential awaits. */
async function rate(call: () => Promise<unknown>, ms: number): Promise<number> {
  for (let i = 0; i < 1000; i++) await call();
  let calls = 0;
  const started = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < 1000; i++) await call();
    calls += 1000;
    elapsed = performance.now() - started;
  }
  return (calls / elapsed) * 1000;
}

/** Warm-cache token calls per second; a library without a cache makes a request per call. */
async function cachedPath(url: string, sizes: Sizes): Promise<Section> {
  const ours = new M2MClient({ url, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
  await ours.getToken();
  const simple = simpleClient(url);
  let simpleToken: AccessToken = await simple.getToken({});
  const viaFetch = badgatewayFetch(badgatewayClient(url));
  await viaFetch.getToken();
  const oidcConfig = openidConfig(url);
  const badgateway = badgatewayClient(url);

  const ourRate = await rate(() => ours.getToken(), sizes.cachedMs);
  const rows: Array<{ name: string; how: string; perSecond: number }> = [
    { name: '@passflow/core', how: 'getToken() (in-memory cache)', perSecond: ourRate },
    {
      name: 'simple-oauth2',
      how: 'token.expired() ? getToken() : token (cache kept by the caller)',
      perSecond: await rate(async () => {
        if (simpleToken.expired(30)) simpleToken = await simple.getToken({});
        return simpleToken;
      }, sizes.cachedMs),
    },
    {
      name: '@badgateway/oauth2-client',
      how: 'OAuth2Fetch#getToken() (its cache)',
      perSecond: await rate(() => viaFetch.getToken(), sizes.cachedMs),
    },
    {
      name: 'openid-client',
      how: 'no cache: clientCredentialsGrant() per call',
      perSecond: await rate(() => oidc.clientCredentialsGrant(oidcConfig), Math.min(sizes.cachedMs, 300)),
    },
    {
      name: '@badgateway/oauth2-client',
      how: 'no cache: clientCredentials() per call',
      perSecond: await rate(() => badgateway.clientCredentials(), Math.min(sizes.cachedMs, 300)),
    },
  ];
  return {
    summary: [`warm cache: ${fmt(ourRate)} getToken() calls/s`],
    title: 'Cached path (token calls per second with a warm cache)',
    header: ['library', 'how', 'calls/s', '@passflow/core calls/s ÷ these'],
    rows: rows.map((r) => ({
      name: r.name,
      cells: [r.how, fmt(r.perSecond), `${fmt(ourRate / r.perSecond, 2)}x`],
    })),
  };
}

/** Token requests made when `callers` concurrent callers ask a cold instance at once. */
async function stampede(bench: BenchServer, sizes: Sizes): Promise<Section> {
  const url = bench.server.url;
  const callers = sizes.stampede;
  const cases: Array<{ name: string; how: string; call: () => () => Promise<unknown> }> = [
    {
      name: '@passflow/core',
      how: 'getToken()',
      call: () => {
        const ours = new M2MClient({ url, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
        return () => ours.getToken();
      },
    },
    {
      name: 'openid-client',
      how: 'clientCredentialsGrant()',
      call: () => {
        const config = openidConfig(url);
        return () => oidc.clientCredentialsGrant(config);
      },
    },
    {
      name: 'simple-oauth2',
      how: 'token?.expired() === false ? token : getToken()',
      call: () => {
        const simple = simpleClient(url);
        let token: AccessToken | undefined;
        return async () => {
          if (token && !token.expired(30)) return token;
          token = await simple.getToken({});
          return token;
        };
      },
    },
    {
      name: '@badgateway/oauth2-client',
      how: 'clientCredentials()',
      call: () => {
        const client = badgatewayClient(url);
        return () => client.clientCredentials();
      },
    },
    {
      name: '@badgateway/oauth2-client',
      how: 'OAuth2Fetch#getToken()',
      call: () => {
        const viaFetch = badgatewayFetch(badgatewayClient(url));
        return (): Promise<OAuth2Token> => viaFetch.getToken();
      },
    },
  ];
  const rows: Row[] = [];
  let ourRequests = 0;
  for (const c of cases) {
    bench.reset();
    bench.setDelay(20);
    const call = c.call();
    const started = performance.now();
    const results = await Promise.allSettled(Array.from({ length: callers }, () => call()));
    const elapsed = performance.now() - started;
    const failed = results.filter((r) => r.status === 'rejected').length;
    if (c.name === '@passflow/core') ourRequests = failed ? -1 : bench.served();
    rows.push({
      name: c.name,
      cells: [c.how, fmt(bench.served()), fmt(elapsed), failed ? `${failed} failed` : 'all got a token'],
    });
  }
  bench.reset();
  return {
    summary: [`cold stampede: ${fmt(callers)} callers, ${ourRequests} token request(s) (target 1)`],
    ok: ourRequests === 1,
    title: `Cold stampede (${fmt(callers)} concurrent callers on a fresh instance; the server answers after 20 ms)`,
    header: ['library', 'how', 'token requests', 'ms until all settled', 'callers'],
    rows,
  };
}

/** Import time in a fresh node process (median of runs) and the minified, gzipped ESM bundle. */
async function coldStart(sizes: Sizes): Promise<Section> {
  const dist = join(root, 'dist/index.js');
  if (!existsSync(dist)) await run('npm', ['run', '-s', 'build'], { cwd: root });
  const packages: Array<{ name: string; specifier: string; entry: string }> = [
    {
      name: '@passflow/core',
      specifier: dist,
      entry: `import { M2MClient } from ${JSON.stringify(dist)}; globalThis.used = [M2MClient];`,
    },
    {
      name: 'openid-client',
      specifier: 'openid-client',
      entry:
        "import { Configuration, clientCredentialsGrant } from 'openid-client'; globalThis.used = [Configuration, clientCredentialsGrant];",
    },
    {
      name: 'simple-oauth2',
      specifier: 'simple-oauth2',
      entry: "import { ClientCredentials } from 'simple-oauth2'; globalThis.used = [ClientCredentials];",
    },
    {
      name: '@badgateway/oauth2-client',
      specifier: '@badgateway/oauth2-client',
      entry:
        "import { OAuth2Client, OAuth2Fetch } from '@badgateway/oauth2-client'; globalThis.used = [OAuth2Client, OAuth2Fetch];",
    },
  ];
  const rows: Row[] = [];
  let ours = { ms: 0, gz: 0 };
  for (const p of packages) {
    const times: number[] = [];
    for (let i = 0; i < sizes.importRuns; i++) {
      const script = `const t = performance.now(); await import(${JSON.stringify(p.specifier)}); console.log(performance.now() - t);`;
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: root });
      times.push(Number(stdout.trim()));
    }
    const bundle = await build({
      stdin: { contents: p.entry, resolveDir: root, loader: 'js' },
      bundle: true,
      format: 'esm',
      platform: 'node',
      minify: true,
      write: false,
      logLevel: 'silent',
    });
    const bytes = bundle.outputFiles[0]?.contents ?? new Uint8Array();
    const gz = gzipSync(bytes, { level: 9 }).byteLength;
    const ms = median(times);
    if (p.name === '@passflow/core') ours = { ms, gz };
    rows.push({
      name: p.name,
      cells: [
        fmt(ms, 1),
        ours.ms ? `${fmt(ms / ours.ms, 2)}x` : '1.00x',
        fmt(bytes.byteLength / 1024, 1),
        fmt(gz / 1024, 1),
        ours.gz ? `${fmt(gz / ours.gz, 2)}x` : '1.00x',
      ],
    });
  }
  return {
    title:
      'Cold start (import in a fresh node process; esbuild ESM bundle of what a consumer imports, minified)',
    header: ['library', 'import ms (median)', 'vs ours', 'bundle KiB', 'gzipped KiB', 'vs ours'],
    rows,
    note: "@passflow/core is measured from the built dist/ (`npm run build`); peers from node_modules. Bundles are for platform node; Node's built-ins stay external.",
  };
}

/** Heap for N instances holding a cached token, each library in its own `node --expose-gc` child. */
async function memory(sizes: Sizes): Promise<Section> {
  const child = join(root, 'bench/peers-memory.ts');
  const libs = ['@passflow/core', 'openid-client', 'simple-oauth2', '@badgateway/oauth2-client'];
  const rows: Row[] = [];
  let oursBytes = 0;
  for (const lib of libs) {
    const { stdout } = await run(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', child, lib, String(sizes.instances)],
      { cwd: root, maxBuffer: 1 << 20 },
    );
    const result = JSON.parse(stdout.trim().split('\n').pop() as string) as { bytes: number; how: string };
    if (lib === '@passflow/core') oursBytes = result.bytes;
    const perTenK = (result.bytes / sizes.instances) * 10_000;
    rows.push({
      name: lib,
      cells: [
        result.how,
        fmt(perTenK / 1e6, 1),
        fmt(result.bytes / sizes.instances),
        `${fmt(result.bytes / oursBytes, 2)}x`,
      ],
    });
  }
  return {
    summary: [
      `memory: ${fmt(((oursBytes / sizes.instances) * 10_000) / 1e6, 1)} MB for 10,000 clients (target <= 20 MB)`,
    ],
    title: `Memory (heap for 10,000 instances holding a cached token; target for @passflow/core <= 20 MB)`,
    header: ['library', 'what each instance holds', 'MB per 10,000', 'bytes per instance', 'vs ours'],
    rows,
    note: `Measured with ${fmt(sizes.instances)} instances: heapUsed after full GCs, minus the same before creating them. Every instance holds its own JWT access token (about 400 characters).`,
  };
}

function renderSection(section: Section): string {
  const table = [section.header, ...section.rows.map((r) => [r.name, ...r.cells])];
  const widths = section.header.map((_, column) =>
    Math.max(3, ...table.map((cells) => (cells[column] ?? '').length)),
  );
  const line = (cells: string[]) =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  const lines = [
    `### ${section.title}`,
    '',
    line(section.header),
    line(widths.map((width) => '-'.repeat(width))),
    ...table.slice(1).map(line),
  ];
  if (section.note) lines.push('', section.note);
  return lines.join('\n');
}

function machine(): string {
  const cpu = os.cpus()[0];
  return [
    `- date: ${new Date().toISOString()}`,
    `- node ${process.version}, ${os.platform()} ${os.release()} ${os.arch()}`,
    `- ${os.cpus().length} × ${cpu?.model ?? 'unknown CPU'}, ${fmt(os.totalmem() / 2 ** 30, 1)} GiB RAM`,
    `- peers: ${['openid-client', 'simple-oauth2', '@badgateway/oauth2-client'].map((p) => `${p} ${versionOf(p)}`).join(', ')}`,
  ].join('\n');
}

function versionOf(name: string): string {
  const manifest = JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}

const START = '<!-- peer-bench:start -->';
const END = '<!-- peer-bench:end -->';

function writeResults(markdown: string): void {
  const file = join(root, 'BENCHMARKS.md');
  const block = `${START}\n${markdown}\n${END}`;
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const at = current.indexOf(START);
  const end = current.indexOf(END);
  const next =
    at >= 0 && end > at
      ? `${current.slice(0, at)}${block}${current.slice(end + END.length)}`
      : `${current.trimEnd()}${current ? '\n\n' : ''}${block}\n`;
  writeFileSync(file, next);
}

export type PeerBenchResult = { markdown: string; summary: string[]; ok: boolean };

/** Runs every peer comparison and (in a full run) writes the tables into BENCHMARKS.md. */
export async function runPeerBench(options: PeerBenchOptions = {}): Promise<PeerBenchResult> {
  const smoke = options.smoke ?? process.env.BENCH_SMOKE === '1';
  const sizes = smoke ? SMOKE : FULL;
  const bench = await benchServer();
  const sections: Section[] = [];
  try {
    sections.push(await fetchOverhead(bench.server.url, sizes));
    sections.push(await cachedPath(bench.server.url, sizes));
    sections.push(await stampede(bench, sizes));
  } finally {
    await bench.server.close();
  }
  sections.push(await coldStart(sizes));
  sections.push(await memory(sizes));
  const markdown = [
    `## Against peer libraries${smoke ? ' (smoke run: too short to quote)' : ''}`,
    '',
    machine(),
    '',
    sections.map(renderSection).join('\n\n'),
  ].join('\n');
  if (options.write ?? !smoke) writeResults(markdown);
  return {
    markdown,
    summary: sections
      .flatMap((section) => section.summary ?? [])
      .map((line) => (smoke ? `${line}; timings not judged in smoke mode` : line)),
    ok: sections.every((section) => section.ok !== false),
  };
}

/** The peer comparison as a suite of bench/index.ts (results also go into BENCHMARKS.md). */
export async function peerBench(): Promise<BenchReport> {
  const result = await runPeerBench();
  return { name: 'peers', ...result };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  runPeerBench().then(
    (result) => {
      console.log(result.markdown);
      if (!result.ok) process.exitCode = 1;
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
