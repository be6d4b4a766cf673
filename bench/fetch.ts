// The authorizing fetch: `m2m.fetch()` with a cached bearer token beside a plain `fetch` with a fixed
// Authorization header, against the same loopback API; the same with a DPoP-bound token; and what one
// DPoP proof costs to sign.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { M2MClient } from '../src/index.js';
import { startTokenServer, tokenBody } from '../test/support/token-server.js';
import { type BenchReport, compare, formatOps, type Loop, markdownTable, median, SMOKE } from './support.js';

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

export async function fetchBench(): Promise<BenchReport> {
  const [tokens, api] = await Promise.all([startTokenServer(), startApi()]);
  try {
    const iterations = SMOKE ? 200 : 250;
    const rounds = SMOKE ? 3 : 41;
    const options = { iterations, rounds };
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
    const bearerRun = await compare(
      plain,
      requests(() => bearer.fetch(api.url)),
      options,
    );

    tokens.setDefault({ body: tokenBody(3600, { token_type: 'DPoP' }) });
    const dpop = client(true);
    await dpop.getToken();
    const dpopRun = await compare(
      plain,
      requests(() => dpop.fetch(api.url)),
      options,
    );
    const proofMicros = await microsPerProof(dpop, api.url, SMOKE ? 200 : 5_000);

    const bearerTime = 1 / bearerRun.ratio;
    const dpopTime = 1 / dpopRun.ratio;
    const met = bearerTime <= TARGETS.bearerTimeRatio;
    const verdict = SMOKE ? 'not judged in smoke mode' : met ? 'met' : 'missed';
    const perRequest = (ops: number) => `${(1e6 / ops).toFixed(0)} µs`;
    const markdown = [
      '## Requests per second to a loopback API',
      '',
      markdownTable(
        ['request', 'rate (median)', 'time per request', 'time vs plain fetch', 'target'],
        [
          [
            '`fetch(url, { headers: { authorization } })` (baseline)',
            formatOps(bearerRun.baseline),
            perRequest(bearerRun.baseline),
            '1.00×',
            '',
          ],
          [
            '`m2m.fetch(url)`, cached bearer token',
            formatOps(bearerRun.subject),
            perRequest(bearerRun.subject),
            `${bearerTime.toFixed(3)}×`,
            `≤ ${TARGETS.bearerTimeRatio}×`,
          ],
          [
            '`m2m.fetch(url)`, cached DPoP token (a proof per request)',
            formatOps(dpopRun.subject),
            perRequest(dpopRun.subject),
            `${dpopTime.toFixed(3)}×`,
            '',
          ],
        ],
      ),
      '',
      `${rounds} alternating rounds of ${iterations.toLocaleString('en-US')} sequential requests each (body read), ` +
        'after one warm-up round; ratios are medians of the per-round ratios. ' +
        `Bearer target ${verdict}.`,
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
        `m2m.fetch, cached bearer token: ${bearerTime.toFixed(3)}× the time of a plain fetch; ` +
          `target ≤ ${TARGETS.bearerTimeRatio}× ${met || SMOKE ? verdict : 'MISSED'}`,
        `m2m.fetch, DPoP: ${dpopTime.toFixed(3)}× the time of a plain fetch; one proof: ${proofMicros.toFixed(1)} µs`,
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
