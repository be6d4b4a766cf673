// The token lifecycle benchmark: the cached path against an awaited resolved promise, and the number
// of token requests 1000 concurrent cold callers make, against the loopback token server.
import { M2MClient } from '../src/index.js';
import { startTokenServer } from '../test/support/token-server.js';
import { type BenchReport, compare, formatOps, type Loop, markdownTable, SMOKE } from './support.js';

/** The targets of the lifecycle layer (issue 3). */
export const TARGETS = { warmRatio: 0.6, coldRequests: 1 } as const;

const COLD_CALLERS = 1000;

export async function lifecycleBench(): Promise<BenchReport> {
  const server = await startTokenServer();
  try {
    const warm = await measureWarm(server.url);
    const cold = await measureCold(server, SMOKE ? 2 : 5);
    const rows = [
      ['`await Promise.resolve(x)` (baseline)', formatOps(warm.getValidToken.baseline), '1.00×', ''],
      [
        '`await m2m.getValidToken()`, warm cache',
        formatOps(warm.getValidToken.subject),
        `${warm.getValidToken.ratio.toFixed(2)}×`,
        `≥ ${TARGETS.warmRatio}×`,
      ],
      [
        '`await m2m.getToken()`, warm cache',
        formatOps(warm.getToken.subject),
        `${warm.getToken.ratio.toFixed(2)}×`,
        '',
      ],
    ];
    const ratioMet = warm.getValidToken.ratio >= TARGETS.warmRatio;
    // A few thousand iterations measure the JIT warming up, not the cached path.
    const ratioVerdict = SMOKE ? 'not judged in smoke mode' : ratioMet ? 'met' : 'missed';
    const coldMet = cold.maxRequests === TARGETS.coldRequests;
    const markdown = [
      '## Warm cache: awaited calls per second',
      '',
      markdownTable(['call', 'rate (median)', 'vs baseline', 'target'], rows),
      '',
      `${warm.getValidToken.rounds} alternating rounds of ${warm.getValidToken.iterations.toLocaleString('en-US')} ` +
        'awaited calls each, after one warm-up round; the ratio is the median of the per-round ratios. ' +
        `Target ${ratioVerdict}.`,
      '',
      '## Cold cache: token requests made by 1000 concurrent callers',
      '',
      markdownTable(
        ['callers', 'runs', 'requests per run', 'target'],
        [[String(COLD_CALLERS), String(cold.runs), cold.perRun.join(', '), String(TARGETS.coldRequests)]],
      ),
      '',
      `Each run: a new client, ${COLD_CALLERS} \`getValidToken()\` calls started together, the loopback ` +
        `server answering after 20 ms. Target ${coldMet ? 'met' : 'missed'}.`,
    ].join('\n');
    return {
      name: 'lifecycle',
      markdown,
      ok: coldMet,
      summary: [
        `warm getValidToken: ${formatOps(warm.getValidToken.subject)} = ${warm.getValidToken.ratio.toFixed(2)}× ` +
          `await Promise.resolve (${formatOps(warm.getValidToken.baseline)}); target ≥ ${TARGETS.warmRatio}× ` +
          `${ratioMet || SMOKE ? ratioVerdict : 'MISSED'}`,
        `cold: ${COLD_CALLERS} concurrent callers → ${cold.perRun.join(', ')} request(s) per run; ` +
          `target ${TARGETS.coldRequests} ${coldMet ? 'met' : 'MISSED'}`,
      ],
    };
  } finally {
    await server.close();
  }
}

async function measureWarm(url: string) {
  const m2m = new M2MClient({ url, clientId: 'bench', clientSecret: 'bench-secret' });
  const token = await m2m.getValidToken();
  const iterations = SMOKE ? 5_000 : 2_000_000;
  const rounds = SMOKE ? 3 : 9;
  // Separate loop functions, so each await site sees one kind of promise.
  const resolved: Loop = async (n) => {
    for (let i = 0; i < n; i++) await Promise.resolve(token);
  };
  const validToken: Loop = async (n) => {
    for (let i = 0; i < n; i++) await m2m.getValidToken();
  };
  const plainToken: Loop = async (n) => {
    for (let i = 0; i < n; i++) await m2m.getToken();
  };
  const getValidToken = await compare(resolved, validToken, { iterations, rounds });
  const getToken = await compare(resolved, plainToken, { iterations, rounds });
  return { getValidToken, getToken };
}

async function measureCold(server: Awaited<ReturnType<typeof startTokenServer>>, runs: number) {
  server.setDefault({ delayMs: 20 });
  const perRun: number[] = [];
  for (let run = 0; run < runs; run++) {
    const before = server.requests.length;
    const m2m = new M2MClient({ url: server.url, clientId: 'bench-cold', clientSecret: 'bench-secret' });
    const tokens = await Promise.all(Array.from({ length: COLD_CALLERS }, () => m2m.getValidToken()));
    if (new Set(tokens.map((token) => token.access_token)).size !== 1)
      throw new Error('callers got different tokens');
    perRun.push(server.requests.length - before);
  }
  return { runs, perRun, maxRequests: Math.max(...perRun) };
}
