// What each client authentication method costs a token request: forced token requests per second
// against the loopback token server, each method beside client_secret_post in alternating rounds, and
// the first request of a new client (a private key's import happens there).
import { generateKeyPairSync } from 'node:crypto';
import { M2MClient, type M2MClientConfig } from '../src/index.js';
import { startTokenServer } from '../test/support/token-server.js';
import { type BenchReport, compare, formatOps, type Loop, markdownTable, median, SMOKE } from './support.js';

type Method = { name: string; config: Partial<M2MClientConfig> };

const pem = (type: 'rsa' | 'ec' | 'ed25519') => {
  const pair =
    type === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : type === 'ec'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : generateKeyPairSync('ed25519');
  return pair.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
};

const METHODS: Method[] = [
  {
    name: 'client_secret_basic',
    config: { clientSecret: 'bench-secret', authMethod: 'client_secret_basic' },
  },
  {
    name: 'client_secret_post, secret from a provider',
    config: { clientSecret: async () => 'bench-secret' },
  },
  {
    name: 'client_secret_jwt (HS256)',
    config: { clientSecret: 'bench-secret-of-thirty-two-bytes!', authMethod: 'client_secret_jwt' },
  },
  {
    name: 'private_key_jwt, P-256 (ES256)',
    config: { authMethod: 'private_key_jwt', privateKey: pem('ec') },
  },
  {
    name: 'private_key_jwt, Ed25519 (EdDSA)',
    config: { authMethod: 'private_key_jwt', privateKey: pem('ed25519') },
  },
  {
    name: 'private_key_jwt, RSA 2048 (RS256)',
    config: { authMethod: 'private_key_jwt', privateKey: pem('rsa') },
  },
];

export async function credentialsBench(): Promise<BenchReport> {
  const server = await startTokenServer();
  const client = (config: Partial<M2MClientConfig>) =>
    new M2MClient({ url: server.url, clientId: 'bench', retries: 0, ...config } as M2MClientConfig);
  const requests = (config: Partial<M2MClientConfig>): Loop => {
    const m2m = client(config);
    return async (iterations) => {
      for (let i = 0; i < iterations; i++) await m2m.getToken({ forceRefresh: true });
    };
  };
  const shape = SMOKE ? { iterations: 20, rounds: 1 } : { iterations: 300, rounds: 5 };
  try {
    const rows: string[][] = [];
    const summary: string[] = [];
    const baselines: number[] = [];
    for (const method of METHODS) {
      const result = await compare(
        requests({ clientSecret: 'bench-secret' }),
        requests(method.config),
        shape,
      );
      baselines.push(result.baseline);
      const first = await firstRequestMs(() => client(method.config), SMOKE ? 2 : 9);
      rows.push([
        method.name,
        formatOps(result.subject),
        `${result.ratio.toFixed(2)}×`,
        `${first.toFixed(1)} ms`,
      ]);
      summary.push(
        `${method.name}: ${result.ratio.toFixed(2)}× client_secret_post, first request ${first.toFixed(1)} ms`,
      );
    }
    const postFirst = await firstRequestMs(() => client({ clientSecret: 'bench-secret' }), SMOKE ? 2 : 9);
    const markdown = [
      '## Token requests per second, by client authentication method',
      '',
      markdownTable(
        [
          'method',
          'forced token requests (median)',
          'vs client_secret_post',
          'first request of a new client',
        ],
        [
          [
            'client_secret_post (baseline)',
            formatOps(median(baselines)),
            '1.00×',
            `${postFirst.toFixed(1)} ms`,
          ],
          ...rows,
        ],
      ),
      '',
      `Each method beside client_secret_post in ${shape.rounds} alternating rounds of ${shape.iterations} ` +
        '`getToken({ forceRefresh: true })` calls one after another, against the loopback token server (which ' +
        'does not check the credentials: what differs is the client side), after one warm-up round each; the ' +
        'ratio is the median of the per-round ratios. An assertion is signed for every request. The first ' +
        'request of a new client is the median over several new clients; for a PEM key it includes the ' +
        'key import, done once per client. No targets: these numbers describe the cost of each method.',
    ].join('\n');
    return { name: 'credentials', markdown, summary, ok: true };
  } finally {
    await server.close();
  }
}

/** Milliseconds from construction to the first token, median over `runs` new clients. */
async function firstRequestMs(make: () => M2MClient, runs: number): Promise<number> {
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = process.hrtime.bigint();
    await make().getToken();
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return median(times);
}
