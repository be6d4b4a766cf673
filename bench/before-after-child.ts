// Child process of bench/before-after.ts (run with `node --import tsx`): one measurement of one build of
// the package, in a process of its own. Prints one JSON line.
//   warm <dist> : awaited warm getValidToken() beside an awaited resolved promise (median ratio)
//   fresh <dist> <url> <rounds> : fresh token beside a raw fetch POST with a timeout signal, in batches
//   heap <dist> <instances> : heap for N clients holding a token (needs --expose-gc)
import { median, rawTokenPost } from './support.js';

type Client = {
  getValidToken(): Promise<unknown>;
  getToken(options?: { forceRefresh?: boolean }): Promise<unknown>;
};
type ClientClass = new (config: Record<string, unknown>) => Client;

const [mode = '', dist = '', arg = ''] = process.argv.slice(2);
const { M2MClient } = (await import(dist)) as { M2MClient: ClientClass };
const inMemory = (body: () => string): typeof fetch =>
  (async () => new Response(body(), { headers: { 'content-type': 'application/json' } })) as typeof fetch;
const TOKEN = '{"access_token":"a.b.c","token_type":"Bearer","expires_in":3600}';
const p10 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 10)] ?? 0;

async function warm(): Promise<object> {
  const m2m = new M2MClient({
    url: 'http://127.0.0.1:9',
    clientId: 'bench',
    clientSecret: 'secret',
    fetch: inMemory(() => TOKEN),
  });
  const token = await m2m.getValidToken();
  const resolved = async (n: number) => {
    for (let i = 0; i < n; i++) await Promise.resolve(token);
  };
  const valid = async (n: number) => {
    for (let i = 0; i < n; i++) await m2m.getValidToken();
  };
  const ops = async (loop: (n: number) => Promise<void>, n: number) => {
    const started = process.hrtime.bigint();
    await loop(n);
    return n / (Number(process.hrtime.bigint() - started) / 1e9);
  };
  const n = 2_000_000;
  await ops(resolved, n);
  await ops(valid, n);
  const ratios: number[] = [];
  for (let round = 0; round < 9; round++) ratios.push((await ops(valid, n)) / (await ops(resolved, n)));
  return { ratio: median(ratios) };
}

async function fresh(url: string, rounds: number): Promise<object> {
  const form = 'grant_type=client_credentials&client_id=bench-client&client_secret=bench-secret';
  const raw = rawTokenPost(`${url}/oauth2/token`, form, 10_000);
  const m2m = new M2MClient({ url, clientId: 'bench-client', clientSecret: 'bench-secret' });
  const ours = () => m2m.getToken({ forceRefresh: true });
  const batch = async (freshToken: () => Promise<unknown>, calls: number) => {
    const started = performance.now();
    for (let i = 0; i < calls; i++) await freshToken();
    return ((performance.now() - started) / calls) * 1000;
  };
  await batch(raw, 100);
  await batch(ours, 100);
  const times = { raw: [] as number[], ours: [] as number[], ratios: [] as number[] };
  for (let round = 0; round < rounds; round++) {
    const oursFirst = round % 2 === 1;
    const o1 = oursFirst ? await batch(ours, 8) : 0;
    const r = await batch(raw, 8);
    const o = oursFirst ? o1 : await batch(ours, 8);
    times.raw.push(r);
    times.ours.push(o);
    times.ratios.push(o / r);
  }
  return { rawP10: p10(times.raw), oursP10: p10(times.ours), ratioMedian: median(times.ratios) };
}

async function heap(instances: number): Promise<object> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  let serial = 0;
  const jwt = `eyJhbGciOiJIUzI1NiJ9.${'x'.repeat(340)}.sig`;
  // One fetch for every client, as in an application: clients of one fetch share a transport.
  const tokenFetch = inMemory(
    () => `{"access_token":"${jwt}.${++serial}","token_type":"Bearer","expires_in":3600}`,
  );
  const make = async (i: number) => {
    const client = new M2MClient({
      url: 'http://127.0.0.1:9',
      clientId: `svc-${i}`,
      clientSecret: 'secret',
      fetch: tokenFetch,
    });
    await client.getToken();
    return client;
  };
  const settled = async () => {
    for (let round = 0; round < 4; round++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      gc();
    }
    return process.memoryUsage().heapUsed;
  };
  for (let i = 0; i < 200; i++) await make(-i);
  const before = await settled();
  const kept: Client[] = [];
  for (let i = 0; i < instances; i++) kept.push(await make(i));
  const after = await settled();
  return { mb: (after - before) / 1e6, instances: kept.length };
}

const result =
  mode === 'warm'
    ? await warm()
    : mode === 'fresh'
      ? await fresh(arg, Number(process.argv[5] ?? 400))
      : await heap(Number(arg));
// Exit once the line is written: keep-alive sockets to the server would hold the process.
process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0));
