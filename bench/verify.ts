// The verifier's cost: verify() of a token whose key is cached, beside jose's jwtVerify alone with the
// same RFC 9068 options and the same remote key set, per signing algorithm. The JWK Set comes from the
// loopback test server, fetched once before the timed rounds.
import {
  createRemoteJWKSet,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWTVerifyOptions,
  jwtVerify,
  SignJWT,
} from 'jose';
import { createM2MTokenVerifier } from '../src/verify/index.js';
import { startTokenServer } from '../test/support/token-server.js';
import { type BenchReport, formatOps, markdownTable, median, SMOKE } from './support.js';

/** verify() may take at most this many times as long as jwtVerify alone (issue 15). */
export const TARGET_TIME_RATIO = 1.1;
const AUDIENCE = 'https://api.yourapp.com';
const ALGORITHMS = ['ES256', 'RS256', 'EdDSA'] as const;
const ROUNDS = SMOKE ? 40 : 1500;
const PER_ROUND = 8;

/** µs per verification of each contender in every round, and the median of the per-round time ratios. */
type Measured = { alg: string; us: Record<Contender, number>; ratio: number; bareRatio: number };
type Contender = 'remote' | 'bareKey' | 'verifier';

export async function verifyBench(): Promise<BenchReport> {
  const results: Measured[] = [];
  for (const alg of ALGORITHMS) results.push(await measure(alg));
  const rows = results.flatMap(({ alg, us, ratio, bareRatio }) => [
    [alg, '`jwtVerify(token, createRemoteJWKSet(url), options)`', perSecond(us.remote), '1.00×', ''],
    [alg, '`jwtVerify(token, cryptoKey, options)`', perSecond(us.bareKey), `${bareRatio.toFixed(2)}×`, ''],
    [
      alg,
      '`verifier.verify(token)`',
      perSecond(us.verifier),
      `${ratio.toFixed(2)}×`,
      `≤ ${TARGET_TIME_RATIO}×`,
    ],
  ]);
  const met = results.every(({ ratio }) => ratio <= TARGET_TIME_RATIO);
  const verdict = SMOKE ? 'not judged in smoke mode' : met ? 'met' : 'missed';
  const markdown = [
    '## verify() of a token whose key is cached, beside jose alone',
    '',
    markdownTable(['alg', 'call', 'rate (median)', 'time vs `jwtVerify` + remote set', 'target'], rows),
    '',
    `${ROUNDS.toLocaleString('en-US')} rounds of ${PER_ROUND} awaited verifications by each contender in turn ` +
      '(the order changing every round, so that load on the machine hits all alike), after a warm-up; the ' +
      'time ratio is the median of the per-round ratios. Both sides check the same things: `typ` at+jwt, ' +
      '`iss`, `aud`, `exp`/`nbf` with a 30 s tolerance, the required claims and the algorithm allow-list; ' +
      '`verify()` adds its `iat` and claim-type checks, a required scope and the claims object it returns. ' +
      `The bare-key row is jose without the key set lookup, for scale. Target ${verdict}.`,
  ].join('\n');
  return {
    name: 'verify',
    markdown,
    ok: true,
    summary: results.map(
      ({ alg, us, ratio }) =>
        `${alg}: verify() ${perSecond(us.verifier)}, jwtVerify ${perSecond(us.remote)}: ` +
        `${ratio.toFixed(2)}× the time; target ≤ ${TARGET_TIME_RATIO}× ${met || SMOKE ? verdict : 'MISSED'}`,
    ),
  };
}

function perSecond(us: number): string {
  return formatOps(1e6 / us);
}

/** µs per call of `verify` over `calls` awaited calls. */
async function batch(verify: () => Promise<unknown>, calls: number): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < calls; i++) await verify();
  return ((performance.now() - started) / calls) * 1000;
}

async function measure(alg: string): Promise<Measured> {
  const server = await startTokenServer();
  try {
    const { privateKey, publicKey } = await generateKeyPair(alg);
    const jwk = { ...(await exportJWK(publicKey)), kid: 'bench', alg, use: 'sig' };
    server.setDefault({ body: { keys: [jwk] } });
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ client_id: 'svc-orders', scope: 'orders:read', jti: 'bench' })
      .setProtectedHeader({ alg, typ: 'at+jwt', kid: 'bench' })
      .setIssuer(server.url)
      .setSubject('svc-orders')
      .setAudience(AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(now + 3600)
      .sign(privateKey);

    const verifier = createM2MTokenVerifier({
      url: server.url,
      audience: AUDIENCE,
      requiredScopes: ['orders:read'],
    });
    const remoteSet = createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`));
    const cryptoKey = await importJWK(jwk, alg);
    const options: JWTVerifyOptions = {
      issuer: server.url,
      audience: AUDIENCE,
      algorithms: [alg],
      typ: 'at+jwt',
      clockTolerance: 30,
      requiredClaims: ['exp', 'iat', 'sub', 'client_id', 'jti'],
    };
    // Fill both key caches before timing.
    await verifier.verify(token);
    await jwtVerify(token, remoteSet, options);

    const contenders: Record<Contender, () => Promise<unknown>> = {
      remote: () => jwtVerify(token, remoteSet, options),
      bareKey: () => jwtVerify(token, cryptoKey, options),
      verifier: () => verifier.verify(token),
    };
    const order = Object.keys(contenders) as Contender[];
    const times: Record<Contender, number[]> = { remote: [], bareKey: [], verifier: [] };
    for (const name of order) await batch(contenders[name], 200);
    for (let round = 0; round < ROUNDS; round++) {
      const turn = round % 2 === 0 ? order : [...order].reverse();
      for (const name of turn) times[name].push(await batch(contenders[name], PER_ROUND));
    }
    if (server.requests.length !== 2)
      throw new Error(`the key set was fetched ${server.requests.length} times, not 2`);
    const ratios = (name: Contender) => median(times[name].map((t, i) => t / (times.remote[i] as number)));
    return {
      alg,
      us: { remote: median(times.remote), bareKey: median(times.bareKey), verifier: median(times.verifier) },
      ratio: ratios('verifier'),
      bareRatio: ratios('bareKey'),
    };
  } finally {
    await server.close();
  }
}
