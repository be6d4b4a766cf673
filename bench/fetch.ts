// The authorizing fetch: `m2m.fetch()` with a cached bearer token beside a plain `fetch` with a fixed
// Authorization header, against the same loopback API; the same with a DPoP-bound token; and what one
// DPoP proof costs to sign.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { M2MClient } from '../src/index.js';
import { startTokenServer, tokenBody } from '../test/support/token-server.js';
import { type BenchReport, markdownTable, median, SMOKE } from './support.js';

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

type Percentiles = { p10: number; p50: number };

/**
 * Times single requests of each variant, taking turns request by request (the order rotating), so that
 * drift and other work on the machine fall on all of them alike. Each body is read to the end, so the
 * connection is reused. Returns each variant's 10th percentile and median, in microseconds: other work
 * only ever adds time, so the low percentiles are the least disturbed readings.
 */
async function interleaved<Name extends string>(
  variants: Record<Name, () => Promise<Response>>,
  requests: number,
): Promise<Record<Name, Percentiles>> {
  const names = Object.keys(variants) as Name[];
  const times = new Map(names.map((name) => [name, [] as number[]]));
  const warmUp = Math.ceil(requests / 10);
  for (let i = 0; i < requests + warmUp; i++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(i + k) % names.length] as Name;
      const started = process.hrtime.bigint();
      await (await variants[name]()).text();
      if (i >= warmUp) times.get(name)?.push(Number(process.hrtime.bigint() - started) / 1e3);
    }
  }
  const at = (sorted: number[], q: number) => sorted[Math.floor(sorted.length * q)] ?? Number.NaN;
  const result = {} as Record<Name, Percentiles>;
  for (const name of names) {
    const sorted = (times.get(name) ?? []).sort((a, b) => a - b);
    result[name] = { p10: at(sorted, 0.1), p50: at(sorted, 0.5) };
  }
  return result;
}

export async function fetchBench(): Promise<BenchReport> {
  const [tokens, api] = await Promise.all([startTokenServer(), startApi()]);
  try {
    const requestsPerVariant = SMOKE ? 300 : 20_000;
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
    tokens.setDefault({ body: tokenBody(3600, { token_type: 'DPoP' }) });
    const dpop = client(true);
    await dpop.getToken();
    const timed = await interleaved(
      {
        plain: () => fetch(api.url, { headers: { authorization: `Bearer ${bearerToken}` } }),
        bearer: () => bearer.fetch(api.url),
        dpop: () => dpop.fetch(api.url),
      },
      requestsPerVariant,
    );
    const proofMicros = await microsPerProof(dpop, api.url, SMOKE ? 200 : 5_000);

    const vs = (subject: Percentiles): Percentiles => ({
      p10: subject.p10 / timed.plain.p10,
      p50: subject.p50 / timed.plain.p50,
    });
    const bearerRatio = vs(timed.bearer);
    const dpopRatio = vs(timed.dpop);
    const met = Math.max(bearerRatio.p10, bearerRatio.p50) <= TARGETS.bearerTimeRatio;
    const verdict = SMOKE ? 'not judged in smoke mode' : met ? 'met' : 'missed';
    const ratio = (r: Percentiles) => `${r.p10.toFixed(3)}× (p10), ${r.p50.toFixed(3)}× (median)`;
    const row = (name: string, t: Percentiles, against: string, target = '') => [
      name,
      `${t.p10.toFixed(1)} µs, ${t.p50.toFixed(1)} µs`,
      against,
      target,
    ];
    const markdown = [
      '## One request to a loopback API',
      '',
      markdownTable(
        ['request', 'time (p10, median)', 'time vs plain fetch', 'target'],
        [
          row('`fetch(url, { headers: { authorization } })` (baseline)', timed.plain, '1.00×'),
          row(
            '`m2m.fetch(url)`, cached bearer token',
            timed.bearer,
            ratio(bearerRatio),
            `≤ ${TARGETS.bearerTimeRatio}×`,
          ),
          row('`m2m.fetch(url)`, cached DPoP token (a proof per request)', timed.dpop, ratio(dpopRatio)),
        ],
      ),
      '',
      `${requestsPerVariant.toLocaleString('en-US')} requests of each kind (after a tenth as many to warm up), ` +
        'taking turns request by request so that drift and other work on the machine fall on all three alike; ' +
        'each response body is read, so connections are reused. Ratios compare the same percentile. ' +
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
        `m2m.fetch, cached bearer token: ${ratio(bearerRatio)} the time of a plain fetch; ` +
          `target ≤ ${TARGETS.bearerTimeRatio}× ${met || SMOKE ? verdict : 'MISSED'}`,
        `m2m.fetch, DPoP: ${ratio(dpopRatio)} the time of a plain fetch; one proof: ${proofMicros.toFixed(1)} µs`,
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
