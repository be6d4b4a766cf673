// The authorizing fetch: `m2m.fetch()` with a cached bearer token beside a plain `fetch` with a fixed
// Authorization header, against the same loopback API; the same with a DPoP-bound token; and what one
// DPoP proof costs to sign.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { M2MClient } from '../src/index.js';
import { startTokenServer, tokenBody } from '../test/support/token-server.js';
import { type BenchReport, formatOps, type Loop, markdownTable, median, SMOKE } from './support.js';

/** `m2m.fetch()` with a cached bearer token may take at most this much longer than a plain fetch. */
export const TARGETS = { bearerTimeRatio: 1.05 } as const;

/** An API that answers every request with a small body at once: what is measured is the client. */
async function startApi(): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' }).end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/orders`, server };
}

/** A loop of sequential requests, each body read to the end (the connection is then reused). */
function requests(send: () => Promise<Response>): Loop {
  return async (n) => {
    for (let i = 0; i < n; i++) await (await send()).text();
  };
}

type TimeRatio = { baseline: number; subject: number; median: number; p10: number };

/**
 * Time per request of `subject` over `baseline`, in short rounds whose order alternates (so neither
 * always runs second, after the other's garbage), after a warm-up of each. Two readings: the median of
 * the per-round ratios, and the ratio of the two loops' 10th-percentile round times (other work on the
 * machine only ever adds time, so the fastest rounds are the least disturbed).
 */
async function timeRatio(
  baseline: Loop,
  subject: Loop,
  iterations: number,
  rounds: number,
): Promise<TimeRatio> {
  const time = async (loop: Loop) => {
    const started = process.hrtime.bigint();
    await loop(iterations);
    return Number(process.hrtime.bigint() - started) / iterations;
  };
  await time(baseline);
  await time(subject);
  const base: number[] = [];
  const subj: number[] = [];
  const ratios: number[] = [];
  for (let round = 0; round < rounds; round++) {
    let b: number;
    let s: number;
    if (round % 2 === 0) {
      b = await time(baseline);
      s = await time(subject);
    } else {
      s = await time(subject);
      b = await time(baseline);
    }
    base.push(b);
    subj.push(s);
    ratios.push(s / b);
  }
  const p10 = (values: number[]) =>
    [...values].sort((x, y) => x - y)[Math.floor(values.length / 10)] ?? Number.NaN;
  return {
    baseline: 1e9 / median(base),
    subject: 1e9 / median(subj),
    median: median(ratios),
    p10: p10(subj) / p10(base),
  };
}

export async function fetchBench(): Promise<BenchReport> {
  const [tokens, api] = await Promise.all([startTokenServer(), startApi()]);
  try {
    const iterations = SMOKE ? 50 : 100;
    const rounds = SMOKE ? 4 : 201;
    const client = (dpop: boolean) =>
      new M2MClient({
        url: tokens.url,
        clientId: 'bench',
        clientSecret: 'bench-secret',
        ...(dpop && { dpop }),
      });

    tokens.setDefault({ body: tokenBody(3600) });
    const bearer = client(false);
    const { access_token: bearerToken } = await bearer.getToken();
    const plain = requests(() => fetch(api.url, { headers: { authorization: `Bearer ${bearerToken}` } }));
    const bearerRun = await timeRatio(
      plain,
      requests(() => bearer.fetch(api.url)),
      iterations,
      rounds,
    );

    tokens.setDefault({ body: tokenBody(3600, { token_type: 'DPoP' }) });
    const dpop = client(true);
    await dpop.getToken();
    const dpopRun = await timeRatio(
      plain,
      requests(() => dpop.fetch(api.url)),
      iterations,
      rounds,
    );
    const proofMicros = await microsPerProof(dpop, api.url, SMOKE ? 200 : 5_000);

    const met = Math.max(bearerRun.p10, bearerRun.median) <= TARGETS.bearerTimeRatio;
    const verdict = SMOKE ? 'not judged in smoke mode' : met ? 'met' : 'missed';
    const ratio = (run: TimeRatio) => `${run.p10.toFixed(3)}× (p10), ${run.median.toFixed(3)}× (median)`;
    const perRequest = (ops: number) => `${(1e6 / ops).toFixed(0)} µs`;
    const row = (name: string, ops: number, vs: string, target = '') => [
      name,
      formatOps(ops),
      perRequest(ops),
      vs,
      target,
    ];
    const markdown = [
      '## Requests per second to a loopback API',
      '',
      markdownTable(
        ['request', 'rate (median)', 'time per request', 'time vs plain fetch', 'target'],
        [
          row('`fetch(url, { headers: { authorization } })` (baseline)', bearerRun.baseline, '1.00×'),
          row(
            '`m2m.fetch(url)`, cached bearer token',
            bearerRun.subject,
            ratio(bearerRun),
            `≤ ${TARGETS.bearerTimeRatio}×`,
          ),
          row('`m2m.fetch(url)`, cached DPoP token (a proof per request)', dpopRun.subject, ratio(dpopRun)),
        ],
      ),
      '',
      `${rounds} rounds of ${iterations} sequential requests (body read) per loop, the order of the two loops ` +
        "alternating, after a warm-up round of each. Ratios: p10 is the ratio of the two loops' 10th-percentile " +
        'round times (the least disturbed), median the median of the per-round ratios; rates are medians. ' +
        `Bearer target (both readings) ${verdict}.`,
      '',
      '## What a DPoP proof costs',
      '',
      `\`m2m.authorizationHeaders('GET', url)\` with a cached DPoP token: ${proofMicros.toFixed(1)} µs per call ` +
        '(median of rounds): an ES256 signature over a fresh proof (jti, htm, htu, iat, ath), the token hash ' +
        'cached per token. This is what each DPoP request adds to the bearer path.',
    ].join('\n');
    return {
      name: 'fetch',
      markdown,
      ok: true,
      summary: [
        `m2m.fetch, cached bearer token: ${ratio(bearerRun)} the time of a plain fetch; ` +
          `target ≤ ${TARGETS.bearerTimeRatio}× ${met || SMOKE ? verdict : 'MISSED'}`,
        `m2m.fetch, DPoP: ${ratio(dpopRun)} the time of a plain fetch; one proof: ${proofMicros.toFixed(1)} µs`,
      ],
    };
  } finally {
    await tokens.close();
    await new Promise<void>((resolve) => api.server.close(() => resolve()));
  }
}

async function microsPerProof(m2m: M2MClient, url: string, iterations: number): Promise<number> {
  const rounds: number[] = [];
  for (let round = 0; round < 6; round++) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) await m2m.authorizationHeaders('GET', url);
    rounds.push(Number(process.hrtime.bigint() - started) / 1e3 / iterations);
  }
  return median(rounds.slice(1));
}
